#!/usr/bin/env bash
# Grades a class of seven on a real, single-node Slurm cluster started on this
# machine: slurmctld, slurmd and munged run on localhost from a generated
# slurm.conf and a fresh munge key in a temporary folder (no systemd, no
# /etc/slurm, ports 16817-16818). The roster:
#   full      simd-dot solved (AVX2 dot and saxpy)
#   partial   dot solved, saxpy left at its TODO
#   broken    a compile error
#   hanging   dot() never returns: the test program runs into its time limit,
#             and the benchmark (which would hang too) is not run
#   missing   a folder that does not exist
#   cloned    a git repository (file:// URL) whose last commit, after the due
#             date, breaks the build: GRADE_BEFORE grades the commit before it
#   portable  correct but never vectorized: tests pass, speed earns nothing
# It submits ci/slurm/submit.sh with a one-lab track, waits for the array,
# runs gather.sh and checks every row of the CSV (and, in grade.json, why each
# score is what it is). It also checks that submit.sh refuses a roster with a
# token in a URL. At the end it prints the throughput: graded submissions per
# hour and per core-hour, from the array's wall time and the node's cores.
#
#   usage: LABCTL=path/to/labctl ci/tests/slurm_cluster_test.sh SOURCE_ROOT
#
# Needs root (the daemons, and apt-get install slurmctld slurmd slurm-client
# munge when they are missing). Exits 77 (CTest: skipped) with the reason when
# it cannot run: not root, no apt-get, or the daemons do not start.
# Environment: SLURM_TEST_TIME_LIMIT (labctl --time-limit, default 60 s),
# SLURM_TEST_KEEP=1 keeps the temporary folder. CTest runs it as ci.slurm
# (label "slurm", outside the default selftest).
set -euo pipefail

src=${1:?usage: LABCTL=path/to/labctl ci/tests/slurm_cluster_test.sh SOURCE_ROOT}
src=$(cd "$src" && pwd)
: "${LABCTL:?set LABCTL to the built labctl binary (e.g. build/default/bin/labctl)}"
LABCTL=$(cd "$(dirname "$LABCTL")" && pwd)/$(basename "$LABCTL")
time_limit=${SLURM_TEST_TIME_LIMIT:-60}

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}
ok() { echo "ok: $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root to start slurmctld, slurmd and munged (run it as root, e.g. in a Debian 12 container)"
command -v python3 > /dev/null 2>&1 || skip "python3 is not installed (gather.sh and this test read JSON with it)"
if ! command -v slurmctld > /dev/null 2>&1 || ! command -v slurmd > /dev/null 2>&1 ||
  ! command -v sbatch > /dev/null 2>&1 || ! command -v munged > /dev/null 2>&1; then
  command -v apt-get > /dev/null 2>&1 || skip "slurmctld, slurmd, sbatch or munged is missing and there is no apt-get to install them"
  echo "installing slurmctld slurmd slurm-client munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge; } > /tmp/slurm-test-apt.log 2>&1 ||
    skip "apt-get install slurmctld slurmd slurm-client munge failed: $(tail -n 2 /tmp/slurm-test-apt.log)"
fi

tmp=$(mktemp -d /tmp/slurm-cluster-test.XXXXXX)
chmod 755 "$tmp"
pids=()
job=
cleanup() {
  local p
  # Jobs still running (the test was interrupted) would outlive the daemons.
  if [ -n "$job" ]; then
    scancel "$job" 2> /dev/null || true
    for _ in $(seq 30); do [ -z "$(squeue -h -j "$job" 2> /dev/null)" ] && break; sleep 1; done
  fi
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  if [ "${SLURM_TEST_KEEP:-0}" = 1 ]; then echo "kept $tmp (SLURM_TEST_KEEP=1)"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# 1. munge, with its own key and socket.
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
socket=$tmp/munge/munge.socket
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/munge/munge.seed" \
  > "$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.2; done
[ -S "$socket" ] || skip "munged did not start: $(tail -n 3 "$tmp/log/munged.out" "$tmp/log/munged.log" 2> /dev/null)"

# 2. slurm.conf: one node, this machine, every core it has.
node=$(hostname -s)
cores=$(nproc)
mem_mb=4000
if [ -r /proc/meminfo ]; then mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.8) }' /proc/meminfo); fi
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" << EOF
ClusterName=labstest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CryptoType=crypto/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cores RealMemory=$mem_mb State=UNKNOWN
PartitionName=grade Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" > "$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 60); do
  if sinfo -h -o '%T' 2> /dev/null | grep -qE '^(idle|mixed|allocated)'; then
    up=1
    break
  fi
  sleep 1
done
[ "$up" = 1 ] || skip "the Slurm daemons did not start or the node is not idle: $(sinfo 2>&1 | tail -n 2); $(tail -n 3 "$tmp/log/slurmctld.log" "$tmp/log/slurmd.log" 2> /dev/null)"
ok "single-node cluster up: $node, $cores cores, $(slurmctld -V)"

# 3. The class. Each submission is a copy of the course tree (no build, no .git)
# with its own student/simd_dot.cpp.
base=$tmp/base
mkdir -p "$base"
tar -C "$src" --exclude=./build --exclude=./out --exclude=./.git -cf - . | tar -C "$base" -xf -
lab=phases/01-foundations/simd-dot
starter=$src/$lab/student/simd_dot.cpp

solution() { # the starter with both TODOs written (AVX2 loops like the reference's,
             # in other words: a line copied from reference/ would be a leak to
             # `labctl handout --check`, whose test pastes one)
  python3 - "$starter" "${1:-full}" << 'EOF'
import re, sys
text = open(sys.argv[1]).read()
dot = """  __m256 lo = _mm256_setzero_ps(), hi = lo;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    lo = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), lo);
    hi = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), hi);
  }
  for (; i + 8 <= n; i += 8) lo = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), lo);
  const __m256 both = _mm256_add_ps(lo, hi);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(both), _mm256_extractf128_ps(both, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float sum = _mm_cvtss_f32(s);
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
"""
saxpy = """  const __m256 va = _mm256_set1_ps(a);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] = a * x[i] + y[i];
"""
def fill(name, body, text):
    m = re.search(r"(static \w+ " + name + r"\([^)]*\) \{\n)(.*?)(\n\})", text, re.S)
    assert m, name
    return text[:m.start(2)] + body.rstrip("\n") + text[m.end(2):]
mode = sys.argv[2]
if mode in ("full", "partial"):
    text = fill("dot_avx2", dot, text)
if mode == "full":
    text = fill("saxpy_avx2", saxpy, text)
if mode == "portable":  # never take the AVX2 path
    text = text.replace("labkit::best_isa() >= labkit::Isa::avx2", "false")
sys.stdout.write(text)
EOF
}
make_submission() { # NAME MODE
  mkdir -p "$tmp/class/$1"
  tar -C "$base" -cf - . | tar -C "$tmp/class/$1" -xf -
  solution "$2" > "$tmp/class/$1/$lab/student/simd_dot.cpp"
}
make_submission full full
make_submission partial partial
make_submission portable portable
make_submission broken full
printf '\nthis line does not compile;\n' >> "$tmp/class/broken/$lab/student/simd_dot.cpp"
# (A static initializer that never returns is rejected before it runs: labctl
# reads the student objects first. A loop inside dot() is not.)
make_submission hanging full
python3 - "$tmp/class/hanging/$lab/student/simd_dot.cpp" << 'EOF'
import sys
path = sys.argv[1]
text = open(path).read()
head = "float dot(const float* x, const float* y, std::size_t n) {\n"
assert head in text
text = text.replace(head, head + "  for (volatile int spin = 0;; spin = spin + 1) {\n  }\n", 1)
open(path, "w").write(text)
EOF
# cloned: a git repository, committed before the due date (solved) and after it (broken).
make_submission cloned full
due=2027-03-01T12:00:00Z
(
  cd "$tmp/class/cloned"
  git init -q -b main
  git add -A
  GIT_AUTHOR_DATE=2027-03-01T10:00:00Z GIT_COMMITTER_DATE=2027-03-01T10:00:00Z \
    git -c user.name=student -c user.email=s@example.edu commit -q -m "solved"
  printf '\nbroken after the deadline;\n' >> "$lab/student/simd_dot.cpp"
  GIT_AUTHOR_DATE=2027-03-02T10:00:00Z GIT_COMMITTER_DATE=2027-03-02T10:00:00Z \
    git -c user.name=student -c user.email=s@example.edu commit -q -am "late"
)
before_due=$(git -C "$tmp/class/cloned" rev-parse HEAD~1)

roster=$tmp/roster.csv
cat > "$roster" << EOF
student_id,repo
full,$tmp/class/full
partial,$tmp/class/partial
broken,$tmp/class/broken
hanging,$tmp/class/hanging
missing,$tmp/class/nobody-here
cloned,file://$tmp/class/cloned/.git
portable,$tmp/class/portable
EOF
track=$tmp/one-lab.toml
printf 'name = "Slurm test: simd-dot"\n\n[[labs]]\nid = "simd-dot"\npoints = 100\n' > "$track"

# A token in a roster URL is refused before anything is submitted.
printf 'student_id,repo\nalice,https://alice:ghp_not_a_real_token@github.com/course/alice.git\n' > "$tmp/token-roster.csv"
if COURSE_ROOT=$src LABCTL=$LABCTL bash "$src/ci/slurm/submit.sh" "$tmp/token-roster.csv" "$track" "$tmp/token-out" > "$tmp/token.log" 2>&1; then
  fail "submit.sh accepted a roster with a token in a URL"
fi
grep -q 'GIT_TOKEN_FILE' "$tmp/token.log" || fail "submit.sh: the refusal must name GIT_TOKEN_FILE: $(cat "$tmp/token.log")"
[ ! -e "$tmp/token-out/roster.csv" ] || fail "submit.sh copied a roster holding a token into OUTDIR"
ok "submit.sh refuses a roster with a token in a URL, and copies nothing"

# 4. Submit, one CPU per task so that every core grades a student; wait.
outdir=$tmp/grades
t0=$(date +%s)
COURSE_ROOT=$src LABCTL=$LABCTL GRADE_TIME_LIMIT=$time_limit GRADE_BEFORE=$due SCRATCH_DIR=$tmp/scratch \
  bash "$src/ci/slurm/submit.sh" "$roster" "$track" "$outdir" -- --cpus-per-task=1 --mem=2G --time=01:00:00 \
  > "$tmp/submit.log" 2>&1 || fail "submit.sh failed: $(cat "$tmp/submit.log")"
job=$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' "$tmp/submit.log")
[ -n "$job" ] || fail "no job id in submit.sh's output: $(cat "$tmp/submit.log")"
echo "submitted array job $job (7 students, time limit ${time_limit} s per process); waiting"
deadline=$((t0 + 3600))
while [ -n "$(squeue -h -j "$job" 2> /dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "the array was not done after an hour: $(squeue -j "$job")"
  sleep 10
done
wall=$(($(date +%s) - t0))
ok "array $job done in $wall s"

# 5. The CSV, row by row.
bash "$src/ci/slurm/gather.sh" "$outdir" > "$tmp/grades.csv" || fail "gather.sh failed"
cat "$tmp/grades.csv"
python3 - "$tmp/grades.csv" "$outdir" "$before_due" << 'EOF' || fail "the grades are not what the submissions deserve (above)"
import csv, json, os, sys
rows = list(csv.DictReader(open(sys.argv[1])))
outdir, before_due = sys.argv[2], sys.argv[3]
ids = [r["student_id"] for r in rows]
assert ids == ["full", "partial", "broken", "hanging", "missing", "cloned", "portable"], ids
by = {r["student_id"]: r for r in rows}

def tasks(sid):
    g = json.load(open(os.path.join(outdir, sid, "grade.json")))
    return {t["name"].split(": ", 1)[1] if ": " in t["name"] else t["name"]: t for t in g["tests"]}

def task(sid, prefix):
    for name, t in tasks(sid).items():
        if name.startswith(prefix):
            return t
    raise AssertionError(f"{sid}: no task starting with {prefix!r}")

def brief(sid):  # each task's score and first line, for a failed check's message
    return {name: (round(t["score"], 2), t["output"].split("\n", 1)[0][:100]) for name, t in tasks(sid).items()}

for sid in ["full", "partial", "broken", "hanging", "cloned", "portable"]:
    r = by[sid]
    assert r["status"] == "graded", (sid, r)
    assert r["max_score"] == "100.00", (sid, r)
    # simd-dot's hidden tasks (the L2 speedup, the tests/hidden/ edge cases):
    # never shown, always pending.
    assert r["hidden_pending"] == "2", (sid, r)
    assert r["protected_edits"] == "0", (sid, r)
    assert float(r["visible_score"]) <= float(r["score"]), (sid, r)
score = {sid: float(by[sid]["score"]) for sid in by if by[sid]["score"]}

def full_marks(sid, prefix):
    t = task(sid, prefix)
    return t["score"] == t["max_score"]

# Solved: both correctness tasks in full (their points come from lab.toml),
# and speed on top.
for sid in ["full", "cloned"]:
    assert full_marks(sid, "dot matches") and full_marks(sid, "saxpy matches"), brief(sid)
    assert score[sid] > 60, (sid, score[sid])
# The commit before the due date was graded, not the broken one after it.
sub = open(os.path.join(outdir, "cloned", "submission.txt")).read()
assert f"commit={before_due}" in sub, sub
# dot solved, saxpy at its TODO: nearly all of dot's points (one test of
# the dot filter, EmptyInputIsZeroAndSaxpyOfNothingIsANoOp, calls saxpy too),
# and some speed, no saxpy points.
dot = task("partial", "dot matches")
assert 0.8 * dot["max_score"] < dot["score"] < dot["max_score"], brief("partial")
assert task("partial", "saxpy matches")["score"] == 0, brief("partial")
assert 30 <= score["partial"] < score["full"], score
# Correct but scalar: every test point (60 with the hidden edge cases), and
# less than the vectorized solution.
assert full_marks("portable", "dot matches") and full_marks("portable", "saxpy matches"), brief("portable")
assert 60 <= score["portable"] < score["full"], score
# A compile error: nothing, and the reason.
assert score["broken"] == 0
assert all("compile error" in t["output"] for t in tasks("broken").values()), brief("broken")
# Hung: every task 0, the test program timed out, the benchmark never ran.
assert score["hanging"] == 0
for name, t in tasks("hanging").items():
    assert "timed out" in t["output"], brief("hanging")
    if t["labkit"]["kind"] != "test":
        assert t["output"].startswith("not benchmarked"), brief("hanging")
assert not os.path.exists(os.path.join(outdir, "hanging", "simd-dot", "bench.log")), "the hanging lab was benchmarked"
# Missing: a row with no scores and the reason.
m = by["missing"]
assert [m[k] for k in ["score", "max_score", "visible_score", "hidden_pending", "protected_edits"]] == [""] * 5, m
assert m["status"].startswith("submission not found"), m
print("every row checked")
EOF
ok "gather.sh: seven rows, each with the score its submission deserves"

# 6. Throughput: seconds per graded submission (from the job logs), and per core.
python3 - "$outdir/logs" "$wall" "$cores" "$(uname -m)" << 'EOF'
import glob, re, sys
logs, wall, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
secs = {}
for f in glob.glob(logs + "/*.out"):
    for line in open(f, errors="replace"):
        m = re.match(r"grade_array: (\S+): (.*) \((\d+) s\)$", line.strip())
        if m:
            secs[m.group(1)] = (int(m.group(3)), m.group(2))
for sid, (s, why) in sorted(secs.items()):
    print(f"  {sid:10s} {s:5d} s  {why[:60]}")
n = sum(1 for _, why in secs.values() if why == "graded")
graded = [s for s, why in secs.values() if why == "graded"]
print(f"throughput: {n} graded submissions in {wall} s on {cores} cores = "
      f"{3600 * n / wall:.1f} submissions/hour, {3600 * n / wall / cores:.1f} per core-hour "
      f"(each took {min(graded)}-{max(graded)} s, {cores} at a time)")
EOF
