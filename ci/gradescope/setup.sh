#!/usr/bin/env bash
# Gradescope's image setup (made into a bundle by ci/gradescope/make_bundle.sh;
# docs/instructors.md, section "Gradescope"). Gradescope runs it once, as root,
# when it builds the autograder image; every submission then starts from that
# image, so the work done here is not repeated per student.
#
# It unpacks the course tree (course.tar, a `git archive` of the course
# repository, so no access to the course repository is needed), installs the
# Debian/Ubuntu packages with the course's own `tools/labctl deps`, builds it
# with `tools/labctl build`, and grades the reference implementation once:
# that primes the grader's build folder (students' grades then only recompile
# their own files) and shows in the build log what the reference earns here.
#
# Needs an image with CMake 3.25 or newer in its package archive: Debian 12, or
# Gradescope's Ubuntu 24.04 base image (Ubuntu 22.04's CMake 3.22 is too old).
#
# Environment (optional, for testing outside Gradescope): AUTOGRADER_ROOT
# (default /autograder), BUNDLE_DIR ($AUTOGRADER_ROOT/source), COURSE_ROOT
# ($AUTOGRADER_ROOT/course), SKIP_PRIME=1 to skip the reference grade.
set -euo pipefail

root=${AUTOGRADER_ROOT:-/autograder}
bundle=${BUNDLE_DIR:-$root/source}
course=${COURSE_ROOT:-$root/course}

say() { printf 'setup.sh: %s\n' "$*"; }
die() {
  printf 'setup.sh: error: %s\n' "$*" >&2
  exit 1
}

[ -f "$bundle/course.tar" ] || die "$bundle/course.tar is missing: build the bundle with ci/gradescope/make_bundle.sh TRACK_FILE OUT.zip"
[ -f "$bundle/track.toml" ] || die "$bundle/track.toml is missing: build the bundle with ci/gradescope/make_bundle.sh TRACK_FILE OUT.zip"
COURSE_COMMIT=unknown
# shellcheck disable=SC1091
[ -f "$bundle/bundle.env" ] && . "$bundle/bundle.env"

if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  say "image: ${PRETTY_NAME:-unknown}"
fi
[ "$(id -u)" -eq 0 ] || die "run as root (Gradescope does): packages are installed with apt-get"

say "installing git and the archive tools"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends git ca-certificates tar util-linux > /dev/null

say "unpacking the course tree (commit ${COURSE_COMMIT:0:12}) into $course"
rm -rf "$course"
mkdir -p "$course"
tar -xf "$bundle/course.tar" -C "$course"
[ -x "$course/tools/labctl" ] || die "course.tar has no tools/labctl: was the bundle made from the course repository?"

say "installing the course's packages (tools/labctl deps)"
"$course/tools/labctl" deps

cmake_version=$(cmake --version | sed -n '1s/[^0-9]*\([0-9][0-9.]*\).*/\1/p')
if [ "$(printf '%s\n3.25\n' "$cmake_version" | sort -V | head -n 1)" != 3.25 ]; then
  die "CMake $cmake_version is too old: the labs need 3.25 or newer. In Gradescope's autograder settings choose the Ubuntu 24.04 (or newer) base image, then upload the bundle again."
fi

say "building the course (tools/labctl build)"
"$course/tools/labctl" build

if [ "${SKIP_PRIME:-0}" != 1 ]; then
  say "grading the reference implementation once (primes the grader's build)"
  args=(--root "$course" grade --track "$bundle/track.toml" --impl reference --out "$root/setup-reference-grade")
  rc=0
  NO_COLOR=1 "$course/build/default/bin/labctl" "${args[@]}" || rc=$?
  [ "$rc" -eq 0 ] || die "grading the reference failed (labctl exit code $rc): with exit code 2 the track file is wrong (the message above names the line); fix it and rebuild the bundle"
  say "the reference grade above is what a complete solution earns on this image; if it is not full marks, a perf threshold is too tight for Gradescope's machines"
fi
say "done"
