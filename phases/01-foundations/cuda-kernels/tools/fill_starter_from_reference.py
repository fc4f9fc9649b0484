#!/usr/bin/env python3
"""Fill the starter's three TODO kernels with the reference's, in place.

For instructors checking the student path on a GPU (tools/device_check.sh
runs <dir>/solved/ when it exists); not for learners, and useless in a
handout, which has no reference/. It copies the bodies of
transpose_smem_padded_kernel, reduce_warp_shuffle_kernel and
sgemm_smem_tiled_kernel from reference/*.cu into student/*.cu and deletes
the LABKIT_TODO lines, so the build and the tests see a solved starter.

    python3 phases/01-foundations/cuda-kernels/tools/fill_starter_from_reference.py
    cmake --build --preset default --target cuda-kernels_test_student cuda-kernels_bench
    mkdir -p DIR/solved && cp build/default/bin/cuda-kernels_{test_student,bench} DIR/solved/
    git checkout phases/01-foundations/cuda-kernels/student   # the starter again

It refuses to run when student/ differs from git's copy: it would
overwrite a learner's work.
"""
import pathlib
import re
import subprocess
import sys

LAB = pathlib.Path(__file__).resolve().parent.parent
KERNELS = [
    ("transpose.cu", "transpose_smem_padded_kernel"),
    ("reduce.cu", "reduce_warp_shuffle_kernel"),
    ("sgemm.cu", "sgemm_smem_tiled_kernel"),
]


def body_span(text, name, where):
    """[start, end) of the braces of function `name`'s body."""
    at = text.find(name + "(")
    if at < 0:
        sys.exit(f"{where}: no function {name}(...) found; fix: restore the file from git")
    start = text.index("{", at)
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return start, i + 1
    sys.exit(f"{where}: the braces of {name} never close")


def main():
    student, reference = LAB / "student", LAB / "reference"
    if not reference.is_dir():
        sys.exit(f"{reference}: not here (a handout withholds it); this tool needs the course repository")
    changed = subprocess.run(["git", "-C", str(LAB), "status", "--porcelain", "--", "student"],
                             capture_output=True, text=True)
    if changed.returncode != 0 or changed.stdout.strip():
        sys.exit(f"{student}: differs from git (or is not in a git checkout); "
                 "fix: commit or stash that work first, this tool overwrites it")
    for file, kernel in KERNELS:
        mine, ref = student / file, reference / file
        text, ref_text = mine.read_text(), ref.read_text()
        a, b = body_span(text, kernel, mine)
        ra, rb = body_span(ref_text, kernel, ref)
        text = text[:a] + ref_text[ra:rb] + text[b:]
        text = re.sub(r"\n[ \t]*LABKIT_TODO\([^\n]*\n", "\n", text)
        if "device::block_sum" in text:  # the reference's block reduction helper
            text = text.replace("device::block_sum", "reference::device::block_sum")
            text = text.replace('#include "cuda_kernels.hpp"',
                                '#include "cuda_kernels.hpp"\n#include "../reference/device_helpers.cuh"')
        mine.write_text(text)
        print(f"filled {kernel} in {mine.relative_to(LAB)}")
    print("undo: git checkout -- " + str(student))


if __name__ == "__main__":
    main()
