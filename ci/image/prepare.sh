#!/usr/bin/env bash
# Prepares a course checkout as the grader that every student's CI job
# shares: packages, labctl, and the track's labs built once, so that a job
# builds only the student's own files.
#
#   usage: ci/image/prepare.sh TRACK_NAME    (e.g. software-ml: labs/tracks/TRACK_NAME.toml)
#
# Run it in the course checkout at the ref students are graded against, as
# root on Debian 12: ci/image/Dockerfile runs it to make the course's grader
# image (docs/instructors.md, "GitHub Classroom"). It
#   1. installs the Debian packages (tools/labctl deps);
#   2. configures the default preset and builds labctl alone, not every lab;
#   3. grades the reference solution of the track once, with --work build/grade:
#      the grader's pristine tree of the track's labs is built there, and
#      ccache holds its objects. A student's grade with the same --work is then
#      incremental: the student's files and what links them.
# The reference's grade is printed: it is what a complete solution earns on
# this machine (a perf task short of full marks has a threshold too tight).
set -euo pipefail

track=${1:?usage: ci/image/prepare.sh TRACK_NAME (a file labs/tracks/TRACK_NAME.toml)}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
[ -f "labs/tracks/$track.toml" ] || {
  printf 'prepare.sh: error: no track labs/tracks/%s.toml: pass the name of a file in labs/tracks/, without .toml\n' "$track" >&2
  exit 2
}
git rev-parse --verify --quiet HEAD > /dev/null || {
  echo "prepare.sh: error: $root is not a git checkout with a commit: labctl grade exports the course from git (copy .git into the image)" >&2
  exit 2
}

tools/labctl deps
cmake --preset default > /dev/null
cmake --build build/default --target labctl
build/default/bin/labctl grade --track "labs/tracks/$track.toml" --impl reference --repetitions 3 \
  --out build/prepare-reference --work build/grade
