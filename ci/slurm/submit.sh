#!/usr/bin/env bash
# Grades a whole class on a Slurm cluster: one array task per roster line.
#
#   usage: ci/slurm/submit.sh ROSTER TRACK [OUTDIR] [-- extra sbatch options]
#   e.g.:  ci/slurm/submit.sh roster.csv labs/tracks/software-ml.toml grades-hw1 -- --partition=teaching
#
# Run it on a login node from the instructor's pristine course checkout, built
# once with `tools/labctl build`. It checks the roster (header student_id,repo;
# see roster.example.csv), copies the roster and the track into OUTDIR (so later
# edits do not change a running grade), and calls
#   sbatch --array=0-(N-1) ci/slurm/grade_array.sbatch
# with N the number of students. When the jobs are done:
#   ci/slurm/gather.sh OUTDIR > grades.csv
#
# Environment (optional): COURSE_ROOT (default: the repository holding this
# script), LABCTL, ARRAY_LIMIT (at most this many tasks at once, e.g. 8: fewer
# tasks sharing a node measure speed more reliably), GIT_REF, GRADE_SEED (only to reproduce a grade),
# GRADE_TIME_LIMIT, SCRATCH_DIR, GIT_TOKEN_FILE (the token for https clones, read
# at clone time), GRADE_BEFORE (a due date: grade the last commit before it); all
# are passed on to grade_array.sbatch, whose header explains them.
set -euo pipefail

die() {
  printf 'submit.sh: error: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 2 ] || usage
roster=$1
track=$2
shift 2
outdir=
if [ $# -gt 0 ] && [ "$1" != -- ]; then
  outdir=$1
  shift
fi
[ $# -eq 0 ] || { [ "$1" = -- ] && shift; } || usage

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
course=${COURSE_ROOT:-$(cd "$here/../.." && pwd)}
labctl=${LABCTL:-$course/build/default/bin/labctl}

[ -f "$roster" ] || die "no roster file '$roster' (see ci/slurm/roster.example.csv)"
[ -f "$track" ] || die "no track file '$track': pass e.g. labs/tracks/software-ml.toml"
[ -d "$course/phases" ] || die "COURSE_ROOT=$course has no phases/ folder: run from the course checkout or set COURSE_ROOT"
[ -x "$labctl" ] || die "no labctl binary at $labctl: run tools/labctl build in $course first (or set LABCTL)"
command -v sbatch > /dev/null 2>&1 || die "sbatch not found: run this on a Slurm login node (to test one student locally, see the header of ci/slurm/grade_array.sbatch)"

header=$(head -n 1 "$roster" | tr -d '\r' | sed 's/^\xEF\xBB\xBF//')
[ "$header" = "student_id,repo" ] || die "$roster: the first line must be the header 'student_id,repo', not '$header'"
rows=$(awk 'NR == 1 { next } { sub(/\r$/, "") } /^[[:space:]]*(#|$)/ { next } { print }' "$roster")
n=$(printf '%s' "$rows" | grep -c '' || true)
[ "$n" -gt 0 ] || die "$roster has no students below its header"
dups=$(printf '%s\n' "$rows" | cut -d, -f1 | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | sort | uniq -d | head -n 5 | tr '\n' ' ')
[ -z "$dups" ] || die "$roster lists these student_ids more than once: $dups(each student's results go to OUTDIR/<student_id>)"

# A token in a roster URL would be copied into OUTDIR/roster.csv and the job logs.
creds=$(printf '%s\n' "$rows" | cut -d, -f1,2 | grep -E ',[[:space:]]*[a-zA-Z][a-zA-Z0-9+.-]*://[^/@]*:[^/@]*@' | cut -d, -f1 | head -n 5 | tr '\n' ' ' || true)
[ -z "$creds" ] || die "$roster: the URLs of $creds hold a password or token: remove it from the roster, write the token to a file only you can read, and pass GIT_TOKEN_FILE=that-file (docs/instructors.md, \"Slurm\")"
if [ -n "${GIT_TOKEN_FILE:-}" ]; then
  [ -r "$GIT_TOKEN_FILE" ] || die "GIT_TOKEN_FILE=$GIT_TOKEN_FILE is not a readable file"
  GIT_TOKEN_FILE=$(cd "$(dirname "$GIT_TOKEN_FILE")" && pwd)/$(basename "$GIT_TOKEN_FILE")
  export GIT_TOKEN_FILE  # the path only, passed on by --export=ALL; the token stays in the file
fi

[ -n "$outdir" ] || outdir=grades-$(basename "$track" .toml)-$(date +%Y%m%d-%H%M%S)
mkdir -p "$outdir/logs"
outdir=$(cd "$outdir" && pwd)
cp "$roster" "$outdir/roster.csv"
cp "$track" "$outdir/track.toml"
course=$(cd "$course" && pwd)
for v in "$outdir" "$course" "$labctl"; do
  case "$v" in *,*) die "the path '$v' contains a comma, which sbatch --export cannot pass: use a path without commas" ;; esac
done

exports=ALL,ROSTER=$outdir/roster.csv,TRACK=$outdir/track.toml,OUTDIR=$outdir,COURSE_ROOT=$course,LABCTL=$labctl
array=0-$((n - 1))${ARRAY_LIMIT:+%$ARRAY_LIMIT}
printf 'submit.sh: %s students from %s, track %s, results in %s\n' "$n" "$roster" "$(basename "$track")" "$outdir"
sbatch --array="$array" --output="$outdir/logs/%A_%a.out" --export="$exports" "$@" "$here/grade_array.sbatch"
printf 'submit.sh: when the jobs are done (squeue --me), collect the grades with:\n  %s/gather.sh %s > grades.csv\n' "$here" "$outdir"
