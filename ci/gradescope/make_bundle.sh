#!/usr/bin/env bash
# Builds a Gradescope autograder bundle (the zip uploaded in an assignment's
# "Configure Autograder" page) for one track of this course.
#
#   usage: ci/gradescope/make_bundle.sh TRACK_FILE OUT.zip
#   e.g.:  ci/gradescope/make_bundle.sh labs/tracks/software-ml.toml autograder.zip
#
# The zip holds, at its top level:
#   setup.sh        Gradescope runs it once to build the image: unpacks the course,
#                   installs packages, builds, grades the reference once
#   run_autograder  Gradescope runs it per submission: labctl grade -> results.json
#   course.tar      `git archive HEAD` of the course repository (no network needed)
#   track.toml      a copy of TRACK_FILE (it may live outside the repository)
#   bundle.env      the course commit and the track's file name
#
# No seed is bundled: labctl grade draws a fresh random seed for every grade
# (recorded in results.json's extra_data), so there is no secret to keep.
#
# Environment (optional):
#   COURSE_ROOT        the course repository (default: the one holding this script)
#
# Only committed files are bundled: commit (and tag) before making the bundle.
# docs/instructors.md, section "Gradescope", has the whole setup.
set -euo pipefail

die() {
  printf 'make_bundle.sh: error: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -eq 2 ] || usage
track=$1
out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
course=${COURSE_ROOT:-$(cd "$here/../.." && pwd)}

[ -f "$track" ] || die "no track file '$track': pass a file such as labs/tracks/software-ml.toml"
case "$out" in
  *.zip) ;;
  *) die "the output '$out' must end in .zip (Gradescope accepts only zip files)" ;;
esac
[ -z "${LABKIT_GRADE_SEED:-}" ] ||
  die "LABKIT_GRADE_SEED is no longer used: a fixed seed in a bundle is a secret that student code can read while it runs; every grade now draws a fresh seed. Unset it."
[ -d "$course/phases" ] || die "no phases/ folder in $course: run this from the course repository or set COURSE_ROOT"
for f in setup.sh run_autograder; do
  [ -f "$here/$f" ] || die "$here/$f is missing: restore it with git from the course repository"
done
command -v git > /dev/null 2>&1 || die "git is required (apt-get install git)"
commit=$(git -C "$course" rev-parse --verify --quiet HEAD) ||
  die "$course is not a git repository with a commit: the bundle is a git archive of HEAD; commit first"
if [ -n "$(git -C "$course" status --porcelain --untracked-files=no 2> /dev/null)" ]; then
  printf 'make_bundle.sh: warning: %s has uncommitted changes; the bundle holds commit %s without them\n' "$course" "${commit:0:12}" >&2
fi
if ! grep -q '^\[\[labs\]\]' "$track"; then
  die "$track has no [[labs]] entry: it does not look like a track file (docs/instructors.md, section Tracks)"
fi

# Absolute output path, since the zip is made from inside the staging folder.
out_dir=$(cd "$(dirname "$out")" 2> /dev/null && pwd) || die "the folder of '$out' does not exist: create it first"
out_abs=$out_dir/$(basename "$out")

stage=$(mktemp -d "${TMPDIR:-/tmp}/labs-bundle.XXXXXX")
trap 'rm -rf "$stage"' EXIT

cp "$here/setup.sh" "$here/run_autograder" "$stage/"
chmod 755 "$stage/setup.sh" "$stage/run_autograder"
cp "$track" "$stage/track.toml"
chmod 644 "$stage/track.toml"
git -C "$course" archive --format=tar -o "$stage/course.tar" HEAD
{
  echo "# Written by ci/gradescope/make_bundle.sh; read by setup.sh and run_autograder."
  printf 'COURSE_COMMIT=%q\n' "$commit"
  printf 'TRACK_NAME=%q\n' "$(basename "$track")"
  printf 'BUNDLE_CREATED=%q\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$stage/bundle.env"

rm -f "$out_abs"
if command -v zip > /dev/null 2>&1; then
  (cd "$stage" && zip -q -X -r "$out_abs" setup.sh run_autograder course.tar track.toml bundle.env)
elif command -v python3 > /dev/null 2>&1; then
  # zipfile keeps the Unix mode bits, so run_autograder stays executable.
  python3 - "$stage" "$out_abs" << 'EOF'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in ["setup.sh", "run_autograder", "course.tar", "track.toml", "bundle.env"]:
        path = os.path.join(stage, name)
        info = zipfile.ZipInfo.from_file(path, name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())
EOF
else
  die "neither zip nor python3 is installed: apt-get install zip"
fi

printf 'make_bundle.sh: wrote %s (%s bytes): course commit %s, track %s%s\n' "$out_abs" "$(wc -c < "$out_abs" | tr -d ' ')" \
  "${commit:0:12}" "$(basename "$track")" ""
printf 'make_bundle.sh: upload it in the assignment'"'"'s "Configure Autograder" page (base image: Ubuntu 24.04 or newer)\n'
