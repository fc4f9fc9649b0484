#!/usr/bin/env python3
"""Turns labctl's results.json into what GitHub Classroom's reporter reads.

    usage: classroom_results.py RESULTS_JSON [--grading-failed REASON]

Prints `result=<base64 JSON>` for $GITHUB_OUTPUT. The workflow passes it to
classroom-resources/autograding-grading-reporter as LABS_RESULTS (runner
"labs"); the reporter adds up the tests' `score` against `max_score` and
posts "Points S/M" on the check run "Autograding Tests", which Classroom reads.

Only tasks students may see count: results.json's hidden and after-due tasks
are left out (their scores are in the grade of record: Gradescope or Slurm),
so M is the visible tasks' points. The top-level status is "pass" whenever
grading completed, whatever the score: the job is red only when grading
itself failed (--grading-failed, or an unreadable results.json), and then the
one test says why.
"""
import base64
import json
import sys


def payload(results):
    tests = []
    for t in results.get("tests", []):
        if t.get("visibility", "visible") != "visible":
            continue
        score, max_score = float(t.get("score", 0)), float(t.get("max_score", 0))
        tests.append({
            "name": t.get("name", "?"),
            "status": "pass" if max_score > 0 and score >= max_score else "fail",
            "score": round(score, 2),
            "message": (t.get("output") or "").split("\n", 1)[0],
            "test_code": "",
            "filename": "",
            "line_no": 0,
            "duration": 0,
        })
    max_total = round(sum(float(t.get("max_score", 0)) for t in results.get("tests", [])
                          if t.get("visibility", "visible") == "visible"), 2)
    return {"version": 1, "status": "pass", "max_score": max_total, "tests": tests}


def failed(reason):
    return {"version": 1, "status": "error", "max_score": 0,
            "tests": [{"name": "grading", "status": "error", "score": 0, "message": reason,
                       "test_code": "", "filename": "", "line_no": 0, "duration": 0}]}


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--grading-failed"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    if len(argv) == 4:
        data = failed(argv[3])
    else:
        try:
            with open(argv[1], encoding="utf-8") as f:
                data = payload(json.load(f))
        except (OSError, ValueError) as e:
            data = failed(f"no readable {argv[1]}: {e}")
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    print(f"result={encoded}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
