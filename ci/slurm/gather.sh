#!/usr/bin/env bash
# Collects a class's grades into one CSV on stdout.
#
#   usage: ci/slurm/gather.sh OUTDIR > grades.csv
#
# OUTDIR is the folder ci/slurm/submit.sh (or grade_array.sbatch) wrote: one
# folder per student with grade.json and status. Columns:
#   student_id,score,max_score,visible_score,hidden_pending,protected_edits,status
# score and max_score count every task, hidden ones included; visible_score is
# what the students were shown; hidden_pending is the number of tasks not shown
# (hidden, or after_due before the due date); protected_edits is the number of
# ignored edits outside student/ (the list is in each grade.json); status is
# "graded" or why there is no grade (clone failed, grading failed, did not
# finish, not run), with the score columns left empty.
# With OUTDIR/roster.csv (submit.sh copies it there) every student of the roster
# gets a row, in roster order, even one whose array task never ran.
# Needs python3.
set -euo pipefail

[ $# -eq 1 ] || {
  sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[ -d "$1" ] || {
  printf 'gather.sh: error: no folder %s: pass the OUTDIR given to submit.sh\n' "$1" >&2
  exit 1
}
command -v python3 > /dev/null 2>&1 || {
  printf 'gather.sh: error: python3 is required (module load python3, or apt-get install python3)\n' >&2
  exit 1
}

exec python3 - "$1" << 'EOF'
import csv, json, os, re, sys

outdir = sys.argv[1]
ids = []     # (student_id, its results folder)
roster = os.path.join(outdir, "roster.csv")
if os.path.isfile(roster):
    with open(roster, newline="", encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    rows = [l for l in lines[1:] if l.strip() and not l.lstrip().startswith("#")]
    for n, line in enumerate(rows):
        sid = line.split(",", 1)[0].strip()
        # grade_array.sbatch records an unusable student_id under row-<n>.
        ok = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@+-]*", sid)
        ids.append((sid, sid if ok else f"row-{n}"))
found = sorted(
    d for d in os.listdir(outdir)
    if os.path.isdir(os.path.join(outdir, d))
    and (os.path.exists(os.path.join(outdir, d, "grade.json")) or os.path.exists(os.path.join(outdir, d, "status")))
)
known = {folder for _, folder in ids}
ids += [(d, d) for d in found if d not in known]

def num(x):
    return f"{float(x):.2f}"

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["student_id", "score", "max_score", "visible_score", "hidden_pending", "protected_edits", "status"])
for sid, folder in ids:
    d = os.path.join(outdir, folder)
    status = None
    try:
        with open(os.path.join(d, "status"), encoding="utf-8", errors="replace") as f:
            status = f.readline().strip() or None
    except OSError:
        pass
    grade = None
    gpath = os.path.join(d, "grade.json")
    if os.path.isfile(gpath):
        try:
            with open(gpath, encoding="utf-8") as f:
                grade = json.load(f)
        except (OSError, ValueError) as e:
            status = f"unreadable grade.json: {e}"
    if grade is not None and (status is None or status == "graded"):
        lk = grade.get("labkit", {})
        w.writerow([sid, num(grade.get("score", 0)), num(grade.get("max_score", 0)),
                    num(lk.get("visible_score", 0)), int(lk.get("hidden_tasks_pending", 0)),
                    len(lk.get("protected_edits", [])), "graded"])
    else:
        if status is None:
            status = "not run: no results folder (the array task never started or was cancelled)" \
                if not os.path.isdir(d) else "not graded: no grade.json and no status"
        w.writerow([sid, "", "", "", "", "", status])
EOF
