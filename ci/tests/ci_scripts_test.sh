#!/usr/bin/env bash
# shellcheck disable=SC2015  # `A && B || fail` is meant: fail when either check fails
# Checks the grading pipelines under ci/ (docs/instructors.md) without GitHub,
# GitLab, Gradescope or Slurm:
#   - every shell script under ci/ parses (bash -n);
#   - the GitHub and GitLab YAML files parse (when python3 has the yaml module),
#     build labctl alone, cut off at DUE, and GitHub's runs once per push and
#     reports to Classroom; classroom_results.py makes the reporter's payload;
#   - ci/gradescope/make_bundle.sh makes a zip with setup.sh and run_autograder;
#   - ci/slurm: submit.sh computes the array from a roster (with a stand-in
#     sbatch) and refuses a token in a roster URL, grade_array.sbatch records a missing submission and exits 0, and
#     gather.sh turns two fake grade.json folders into the expected CSV;
#   - run_autograder writes a score-0 results.json when grading fails, and one
#     real run grades a copy of this tree into results/results.json.
#
#   usage: LABCTL=path/to/labctl ci/tests/ci_scripts_test.sh SOURCE_ROOT [WORK_DIR]
#
# WORK_DIR (optional) keeps labctl's --work folder between runs, so the real
# grade rebuilds incrementally; without it a temporary folder is used.
# CI_TEST_KEEP=1 keeps the temporary folder (bundle, results, logs) for a look.
# CTest runs it as `ci.scripts` (tools/labctl-src/CMakeLists.txt).
set -euo pipefail

src=${1:?usage: LABCTL=path/to/labctl ci/tests/ci_scripts_test.sh SOURCE_ROOT [WORK_DIR]}
src=$(cd "$src" && pwd)
: "${LABCTL:?set LABCTL to the built labctl binary (e.g. build/default/bin/labctl)}"
[ -x "$LABCTL" ] || {
  echo "FAIL: LABCTL=$LABCTL is not an executable: build it with tools/labctl build"
  exit 1
}
ci=$src/ci
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ci-scripts-test.XXXXXX")
if [ "${CI_TEST_KEEP:-0}" = 1 ]; then
  trap 'echo "kept $tmp (CI_TEST_KEEP=1)"' EXIT
else
  trap 'rm -rf "$tmp"' EXIT
fi
if [ -n "${2:-}" ]; then
  mkdir -p "$2"
  grade_work=$(cd "$2" && pwd)/grade-work
else
  grade_work=$tmp/grade-work
fi
passed=0
skipped=0
start=$SECONDS

ok() {
  passed=$((passed + 1))
  echo "ok: $*"
}
skip() {
  skipped=$((skipped + 1))
  echo "SKIP: $*"
}
fail() {
  echo "FAIL: $*"
  exit 1
}
have_python=0
command -v python3 > /dev/null 2>&1 && python3 -c 'import json' 2> /dev/null && have_python=1

# Reads a field of a JSON file with python3 (prints nothing if it is absent).
json_field() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); v = d.get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# 1. Syntax of every script.
n=0
while IFS= read -r f; do
  bash -n "$f" || fail "$f does not parse (bash -n): fix the syntax error above"
  n=$((n + 1))
done < <(find "$ci" -type f \( -name '*.sh' -o -name '*.sbatch' -o -name run_autograder \) | sort)
[ "$n" -ge 6 ] || fail "found only $n scripts under $ci: are ci/gradescope and ci/slurm complete?"
ok "bash -n on $n scripts under ci/"

# 2. YAML.
if [ "$have_python" = 1 ] && python3 -c 'import yaml' 2> /dev/null; then
  python3 - "$ci/github/grade.yml" "$ci/gitlab/grade.gitlab-ci.yml" << 'EOF' || fail "a CI YAML file is malformed (message above): fix it"
import sys, yaml
gh = yaml.safe_load(open(sys.argv[1]))
job = gh["jobs"]["grade"]
steps = job["steps"]
assert "debian:bookworm" in job["container"]["image"], "github: the container without a prepared image must be debian:bookworm"
# One run per push: Classroom's feedback pull request must not run it again.
triggers = gh[True] if True in gh else gh["on"]
assert "push" in triggers and "pull_request" not in triggers, f"github: triggers {list(triggers)}"
# Classroom's reporter reads the check run named "Autograding Tests".
assert job["name"] == "Autograding Tests", job["name"]
assert any("bin/labctl\" grade" in s.get("run", "") for s in steps), "github: no step runs labctl grade"
# labctl alone is built; `tools/labctl grade` would build every lab of the course first.
assert not any("tools/labctl grade" in s.get("run", "") for s in steps), "github: tools/labctl grade builds every lab"
assert any("--target labctl" in s.get("run", "") for s in steps), "github: no step builds labctl alone"
reporter = next(s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-grading-reporter"))
assert reporter["with"]["runners"] == "labs" and "LABS_RESULTS" in reporter["env"], reporter
assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps), "github: no upload-artifact step"
assert any(s.get("uses", "").startswith("actions/cache") for s in steps), "github: no actions/cache step"
assert "DUE" in gh["env"] and any('--before="$DUE"' in s.get("run", "") for s in steps), "github: no due-date cut-off"
gl = yaml.safe_load(open(sys.argv[2]))
job = gl["labs-grade"]
assert job["image"] == "$LABS_GRADER_IMAGE" and gl["variables"]["LABS_GRADER_IMAGE"] == "debian:bookworm", "gitlab: image must be the prepared one, else debian:bookworm"
assert any("--target labctl" in line for line in job["script"]), "gitlab: labctl alone must be built (tools/labctl grade builds every lab)"
assert "DUE" in gl["variables"] and any('--before="$DUE"' in line for line in job["script"]), "gitlab: no due-date cut-off"
assert job["artifacts"]["reports"]["junit"] == "grade-out/junit.xml", "gitlab: junit report path"
assert any("bin/labctl\" grade" in line for line in job["script"]), "gitlab: no script line runs labctl grade"
# Students see the artifacts: summary.md and junit.xml only (the per-lab tests.json,
# tests.log, bench.json, grade.json and results.json hold hidden tasks' results).
upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
gh_paths = sorted(p.strip() for p in upload["with"]["path"].split("\n") if p.strip())
assert gh_paths == ["_grade/junit.xml", "_grade/summary.md"], f"github: artifact paths {gh_paths}"
copy = next(s for s in steps if "_grade/" in s.get("run", ""))["run"]
assert "summary.md" in copy and "junit.xml" in copy and "grade.json" not in copy and "results.json" not in copy, copy
gl_paths = sorted(job["artifacts"]["paths"])
assert gl_paths == ["grade-out/junit.xml", "grade-out/summary.md"], f"gitlab: artifact paths {gl_paths}"
EOF
  ok "ci/github/grade.yml and ci/gitlab/grade.gitlab-ci.yml parse, have the grading steps, and upload only summary.md and junit.xml"
else
  skip "YAML check: python3 with the yaml module is not installed (apt-get install python3-yaml)"
fi

# 2b. GitHub Classroom's points: the visible tasks only, summed by the reporter.
if [ "$have_python" = 1 ]; then
  cat > "$tmp/results.json" << 'EOF'
{"score": 40, "max_score": 100, "tests": [
 {"name": "simd-dot: dot", "score": 30, "max_score": 30, "output": "3/3 tests passed", "visibility": "visible"},
 {"name": "simd-dot: saxpy", "score": 10, "max_score": 30, "output": "1/3 tests passed\nSaxpy.Tail", "visibility": "visible"},
 {"name": "simd-dot: L2", "score": 7, "max_score": 10, "output": "speedup 5.1", "visibility": "hidden"},
 {"name": "simd-dot: late", "score": 5, "max_score": 30, "output": "x", "visibility": "after_due_date"}]}
EOF
  python3 "$ci/github/classroom_results.py" "$tmp/results.json" > "$tmp/classroom.out" || fail "classroom_results.py failed"
  python3 - "$tmp/classroom.out" << 'EOF' || fail "classroom_results.py: not the payload Classroom's reporter reads (message above)"
import base64, json, sys
line = open(sys.argv[1]).read().strip()
assert line.startswith("result="), line
p = json.loads(base64.b64decode(line[len("result="):]))
assert p["version"] == 1 and p["status"] == "pass", p
assert p["max_score"] == 60, p            # visible tasks only: 30 + 30
assert [t["name"] for t in p["tests"]] == ["simd-dot: dot", "simd-dot: saxpy"], p
assert [t["score"] for t in p["tests"]] == [30, 10] and [t["status"] for t in p["tests"]] == ["pass", "fail"], p
assert p["tests"][1]["message"] == "1/3 tests passed", p
EOF
  python3 "$ci/github/classroom_results.py" - --grading-failed "configure failed" | sed 's/^result=//' | base64 -d |
    grep -q '"status": "error"' || fail "classroom_results.py --grading-failed must report status error"
  ok "classroom_results.py: Classroom's payload holds the visible tasks' points (30 + 10 of 60), and an error when grading failed"
else
  skip "classroom_results.py: python3 is not installed"
fi

# 3. Slurm: roster -> array size, a missing submission, gather.
mkdir -p "$tmp/bin"
cat > "$tmp/bin/sbatch" << EOF
#!/bin/sh
echo "\$*" > "$tmp/sbatch.args"
echo "Submitted batch job 1"
EOF
chmod +x "$tmp/bin/sbatch"
PATH=$tmp/bin:$PATH COURSE_ROOT=$src LABCTL=$LABCTL bash "$ci/slurm/submit.sh" "$ci/slurm/roster.example.csv" \
  "$src/labs/tracks/software-ml.toml" "$tmp/slurm-submit" > "$tmp/submit.log" 2>&1 ||
  fail "ci/slurm/submit.sh failed on ci/slurm/roster.example.csv: $(cat "$tmp/submit.log")"
rows=$(($(grep -cv '^[[:space:]]*$' "$ci/slurm/roster.example.csv") - 1))
grep -q -- "--array=0-$((rows - 1)) " "$tmp/sbatch.args" ||
  fail "ci/slurm/submit.sh: expected sbatch --array=0-$((rows - 1)) for $rows students, got: $(cat "$tmp/sbatch.args")"
[ -f "$tmp/slurm-submit/roster.csv" ] && [ -f "$tmp/slurm-submit/track.toml" ] ||
  fail "ci/slurm/submit.sh did not copy the roster and the track into OUTDIR"
ok "submit.sh: sbatch --array=0-$((rows - 1)) for the $rows students of roster.example.csv"

# A token in a roster URL would be copied into OUTDIR and the logs: refused.
printf 'student_id,repo\nalice,https://alice:ghp_not_a_real_token@github.com/course/alice.git\n' > "$tmp/token-roster.csv"
if PATH=$tmp/bin:$PATH COURSE_ROOT=$src LABCTL=$LABCTL bash "$ci/slurm/submit.sh" "$tmp/token-roster.csv" \
  "$src/labs/tracks/software-ml.toml" "$tmp/token-out" > "$tmp/token.log" 2>&1; then
  fail "ci/slurm/submit.sh accepted a roster with a token in a URL"
fi
grep -q GIT_TOKEN_FILE "$tmp/token.log" && [ ! -e "$tmp/token-out/roster.csv" ] ||
  fail "ci/slurm/submit.sh must refuse a token in a roster URL, name GIT_TOKEN_FILE and copy nothing: $(cat "$tmp/token.log")"
ok "submit.sh refuses a roster with a token in a URL (GIT_TOKEN_FILE instead)"

printf 'student_id,repo\nghost,%s/no-such-folder\n' "$tmp" > "$tmp/roster.csv"
SLURM_ARRAY_TASK_ID=0 ROSTER=$tmp/roster.csv TRACK=$src/labs/tracks/software-ml.toml OUTDIR=$tmp/slurm-out \
  COURSE_ROOT=$src LABCTL=$LABCTL bash "$ci/slurm/grade_array.sbatch" > "$tmp/array.log" 2>&1 ||
  fail "ci/slurm/grade_array.sbatch exited non-zero for a missing submission (it must record it and exit 0): $(cat "$tmp/array.log")"
grep -q '^submission not found' "$tmp/slurm-out/ghost/status" 2> /dev/null ||
  fail "ci/slurm/grade_array.sbatch: expected 'submission not found' in slurm-out/ghost/status, got: $(cat "$tmp/slurm-out/ghost/status" 2> /dev/null)"
ok "grade_array.sbatch records a missing submission and exits 0"

if [ "$have_python" = 1 ]; then
  fake=$tmp/gather
  mkdir -p "$fake/alice" "$fake/bob"
  cat > "$fake/alice/grade.json" << 'EOF'
{"score": 72.5, "max_score": 100, "tests": [],
 "labkit": {"visible_score": 60, "visible_max_score": 80, "hidden_tasks_pending": 1, "protected_edits": []}}
EOF
  echo graded > "$fake/alice/status"
  cat > "$fake/bob/grade.json" << 'EOF'
{"score": 10, "max_score": 100, "tests": [],
 "labkit": {"visible_score": 10, "visible_max_score": 80, "hidden_tasks_pending": 1,
            "protected_edits": ["modified: common/src/stats.cpp", "added: phases/01-foundations/simd-dot/tests/x.cpp"]}}
EOF
  bash "$ci/slurm/gather.sh" "$fake" > "$tmp/grades.csv" || fail "ci/slurm/gather.sh failed (message above)"
  expected='student_id,score,max_score,visible_score,hidden_pending,protected_edits,status
alice,72.50,100.00,60.00,1,0,graded
bob,10.00,100.00,10.00,1,2,graded'
  [ "$(cat "$tmp/grades.csv")" = "$expected" ] ||
    fail "ci/slurm/gather.sh: unexpected CSV. Expected:
$expected
Got:
$(cat "$tmp/grades.csv")"
  ok "gather.sh: header and one row per student"
else
  skip "gather.sh: python3 is not installed"
fi

# 4. Gradescope: the bundle.
if ! git -C "$src" rev-parse --verify --quiet HEAD > /dev/null; then
  skip "Gradescope bundle and run_autograder: $src is not a git checkout with a commit (the bundle is a git archive of HEAD)"
elif ! command -v zip > /dev/null 2>&1 && [ "$have_python" = 0 ]; then
  skip "Gradescope bundle and run_autograder: neither zip nor python3 is installed"
else
  COURSE_ROOT=$src bash "$ci/gradescope/make_bundle.sh" "$src/labs/tracks/software-ml.toml" "$tmp/autograder.zip" > "$tmp/bundle.log" 2>&1 ||
    fail "ci/gradescope/make_bundle.sh failed: $(cat "$tmp/bundle.log")"
  if command -v unzip > /dev/null 2>&1; then
    listing=$(unzip -l "$tmp/autograder.zip")
  elif [ "$have_python" = 1 ]; then
    listing=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$tmp/autograder.zip")
  else
    fail "cannot list $tmp/autograder.zip: install unzip or python3"
  fi
  for f in setup.sh run_autograder course.tar track.toml bundle.env; do
    grep -qE "(^|[[:space:]])$f\$" <<< "$listing" || fail "ci/gradescope/make_bundle.sh: the zip has no $f. Listing:
$listing"
  done
  if [ "$have_python" = 1 ]; then
    python3 - "$tmp/autograder.zip" << 'EOF' || fail "ci/gradescope/make_bundle.sh: setup.sh and run_autograder must be executable in the zip"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in ["setup.sh", "run_autograder"]:
    assert (z.getinfo(name).external_attr >> 16) & 0o111, name
EOF
  fi
  ok "make_bundle.sh: the zip holds setup.sh, run_autograder, course.tar, track.toml, bundle.env"

  # No seed in the bundle: every grade draws a fresh one (a bundled seed is readable
  # by student code while it runs, and was in plain text in bundle.env).
  mkdir -p "$tmp/bundle-env"
  if command -v unzip > /dev/null 2>&1; then
    unzip -q -o "$tmp/autograder.zip" bundle.env -d "$tmp/bundle-env"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("bundle.env", sys.argv[2])' "$tmp/autograder.zip" "$tmp/bundle-env"
  fi
  ! grep -qi 'seed' "$tmp/bundle-env/bundle.env" || fail "bundle.env must hold no seed: $(cat "$tmp/bundle-env/bundle.env")"
  if LABKIT_GRADE_SEED=424242 COURSE_ROOT=$src bash "$ci/gradescope/make_bundle.sh" "$src/labs/tracks/software-ml.toml" \
    "$tmp/seeded.zip" > "$tmp/seeded.log" 2>&1; then
    fail "make_bundle.sh accepted LABKIT_GRADE_SEED: a fixed secret seed must not be bundled"
  fi
  grep -q 'fresh seed' "$tmp/seeded.log" || fail "make_bundle.sh: the refusal of LABKIT_GRADE_SEED must say why: $(cat "$tmp/seeded.log")"
  ok "make_bundle.sh: no seed in bundle.env, and LABKIT_GRADE_SEED is refused with the reason"

  unpack() { # ZIP DEST
    mkdir -p "$2"
    if command -v unzip > /dev/null 2>&1; then
      unzip -q "$1" -d "$2"
    else
      python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"
    fi
  }

  # 5. run_autograder when grading cannot happen: a score-0 results.json that says why.
  ag=$tmp/ag-empty
  unpack "$tmp/autograder.zip" "$ag/source"
  mkdir -p "$ag/submission"
  AUTOGRADER_ROOT=$ag COURSE_ROOT=$src LABCTL=$LABCTL bash "$ag/source/run_autograder" > "$tmp/ag-empty.log" 2>&1 ||
    fail "run_autograder exited non-zero on an empty submission: $(cat "$tmp/ag-empty.log")"
  grep -q '"score": 0' "$ag/results/results.json" && grep -q 'no phases/ folder' "$ag/results/results.json" ||
    fail "run_autograder: an empty submission must give score 0 and say 'no phases/ folder': $(cat "$ag/results/results.json" 2> /dev/null)"

  ag=$tmp/ag-badtrack
  unpack "$tmp/autograder.zip" "$ag/source"
  printf 'name = "broken"\nno_such_key = 1\n[[labs]]\nid = "simd-dot"\n' > "$ag/source/track.toml"
  mkdir -p "$ag/submission/phases"
  AUTOGRADER_ROOT=$ag COURSE_ROOT=$src LABCTL=$LABCTL LABKIT_GRADE_WORK=$tmp/badtrack-work \
    bash "$ag/source/run_autograder" > "$tmp/ag-bad.log" 2>&1 ||
    fail "run_autograder exited non-zero when grading failed: $(cat "$tmp/ag-bad.log")"
  grep -q '"score": 0' "$ag/results/results.json" && grep -q 'Autograding failed' "$ag/results/results.json" ||
    fail "run_autograder: a failed grade must give score 0 and an explanation: $(cat "$ag/results/results.json" 2> /dev/null)"
  if [ "$have_python" = 1 ]; then
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$ag/results/results.json" ||
      fail "run_autograder wrote invalid JSON for a failed grade: $ag/results/results.json"
  fi
  ok "run_autograder: score 0 with the reason for an empty submission and for a failed grade"

  # 6. One real grade: a copy of this tree as the submission, for a
  # one-lab track (simd-dot): the bundle, setup and results.json are the
  # same for any track, and software-ml's four labs made this test 47 s of
  # every selftest's side tests (the grading test proves every track).
  printf 'name = "Gradescope check"\n[[labs]]\nid = "simd-dot"\n' > "$tmp/one-lab.toml"
  COURSE_ROOT=$src bash "$ci/gradescope/make_bundle.sh" "$tmp/one-lab.toml" "$tmp/one-lab.zip" > "$tmp/bundle-one.log" 2>&1 ||
    fail "ci/gradescope/make_bundle.sh failed for a track outside the course: $(cat "$tmp/bundle-one.log")"
  ag=$tmp/ag
  unpack "$tmp/one-lab.zip" "$ag/source"
  mkdir -p "$ag/submission"
  tar -C "$src" --exclude=./build --exclude=./out --exclude=./.git -cf - . | tar -C "$ag/submission" -xf -
  t0=$SECONDS
  AUTOGRADER_ROOT=$ag COURSE_ROOT=$src LABCTL=$LABCTL LABKIT_GRADE_WORK=$grade_work \
    bash "$ag/source/run_autograder" > "$tmp/ag.log" 2>&1 ||
    fail "run_autograder exited non-zero: $(tail -n 30 "$tmp/ag.log")"
  results=$ag/results/results.json
  [ -f "$results" ] || fail "run_autograder wrote no $results: $(tail -n 30 "$tmp/ag.log")"
  if grep -q 'Autograding failed' "$results"; then
    fail "run_autograder could not grade a copy of this tree: $(cat "$results")"
  fi
  if [ "$have_python" = 1 ]; then
    score=$(json_field "$results" score)
    max=$(json_field "$results" max_score)
    [ -n "$score" ] && [ -n "$max" ] || fail "$results has no score or max_score"
    python3 -c 'import sys; s, m = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if m > 0 and 0 <= s <= m else 1)' "$score" "$max" ||
      fail "$results: score $score and max_score $max are not 0 <= score <= max_score with max_score > 0"
  else
    grep -q '"score":' "$results" && grep -q '"max_score":' "$results" || fail "$results has no score or max_score"
    score='?' max='?'
  fi
  if [ "$have_python" = 1 ]; then
    # Gradescope's file, not grade.json: no labkit superset in any test, the
    # score is the visible tasks' until the due date, stdout hidden from students.
    commit=$(sed -n 's/^COURSE_COMMIT=//p' "$ag/source/bundle.env")
    python3 - "$results" "$commit" << 'EOF' || fail "run_autograder: $results is not the Gradescope file labctl writes (message above)"
import json, sys
r = json.load(open(sys.argv[1]))
assert all("labkit" not in t for t in r["tests"]), "a test carries labkit's measurements"
assert r["stdout_visibility"] == "hidden", r["stdout_visibility"]
visible = sum(t["score"] for t in r["tests"] if t["visibility"] == "visible")
assert r["extra_data"]["hidden_included"] or abs(r["score"] - visible) < 1e-9, (r["score"], visible)
assert r["extra_data"]["course_commit"] == sys.argv[2], r["extra_data"]
assert r["extra_data"]["seed"] > 0
EOF
  fi
  ok "run_autograder: a real grade of a copy of this tree -> results.json, score $score of $max ($((SECONDS - t0)) s)"
fi

echo "ci scripts: $passed checks passed, $skipped skipped ($((SECONDS - start)) s)"
