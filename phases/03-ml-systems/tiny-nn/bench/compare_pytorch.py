#!/usr/bin/env python3
"""MLP training throughput: tiny-nn against PyTorch's CPU backend, side by side.

The same step in both: MLP 784-256-128-10 with ReLU, softmax cross-entropy,
Adam (lr 1e-3), a fixed batch of 128 float32 images, two threads. PyTorch is
Debian's python3-torch (sudo apt-get install python3-torch; it is not one of
the project's required packages). Run from the repository root:

    /usr/bin/python3 phases/03-ml-systems/tiny-nn/bench/compare_pytorch.py
    /usr/bin/python3 phases/03-ml-systems/tiny-nn/bench/compare_pytorch.py --bench build/h-nn/bin/tiny-nn_bench

It times PyTorch here (median of --repetitions runs of --steps steps each),
then runs tiny-nn's benchmark for its `mlp_step` case (reference and, if
written, your student kernels), and prints images per second and the ratio.
The two measurements alternate --rounds times, so drift hits both alike.

PyTorch's speed here depends on the BLAS it loads (printed): Debian's default
libblas.so.3 is the netlib reference BLAS, which is slow. To compare against
OpenBLAS without changing the system's BLAS:

    apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb /tmp/openblas
    LD_LIBRARY_PATH=/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 .../compare_pytorch.py
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def torch_step_times(batch, threads, steps, repetitions):
    try:
        import torch
    except ImportError:
        sys.exit("compare_pytorch.py: PyTorch is not installed for this python "
                 f"({sys.executable}): sudo apt-get install python3-torch, then run it with /usr/bin/python3")
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(20):  # warm up: allocator caches, thread pool, first-touch pages
        step()
    times = []
    for _ in range(repetitions):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps)
    return times, torch.__version__ + ", BLAS " + loaded_blas()


def loaded_blas():
    """Which libblas this process loaded: Debian's default is the netlib reference BLAS."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line and "/" in line}
        return ", ".join(sorted(paths)) or "none mapped"
    except OSError:
        return "unknown"


def tiny_nn_step_times(bench, batch, threads, repetitions, impl):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "bench.json")
        cmd = [bench, "--no-train", "--threads", str(threads), "--impl", impl, "--out", out,
               "--repetitions", str(repetitions), f"--benchmark_filter=^mlp_step/"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(out):
            sys.exit(f"compare_pytorch.py: {' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
        with open(out) as f:
            doc = json.load(f)
    result = {}
    for b in doc.get("benchmarks", []):
        if b.get("case") == "mlp_step" and b.get("size") == batch and b.get("status") == "ok":
            result[b["impl"]] = [s * 1e-9 for s in b["samples_ns"]]
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", default="build/default/bin/tiny-nn_bench", help="tiny-nn's benchmark executable")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=50, help="PyTorch: steps per timed repetition")
    p.add_argument("--repetitions", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3, help="alternate PyTorch and tiny-nn this many times")
    args = p.parse_args()
    if not os.path.exists(args.bench):
        sys.exit(f"compare_pytorch.py: no {args.bench}: build it (tools/labctl build, or cmake --build "
                 "build/default --target tiny-nn_bench) or pass --bench PATH")
    batch = 128  # the benchmark's full-size mlp_step batch
    torch_times, tiny_times = [], {}
    version = "?"
    for _ in range(args.rounds):
        t, version = torch_step_times(batch, args.threads, args.steps, args.repetitions)
        torch_times += t
        for impl in ("reference", "student"):
            for name, samples in tiny_nn_step_times(args.bench, batch, args.threads, args.repetitions, impl).items():
                if name in ("reference", "student"):
                    tiny_times.setdefault(name, []).extend(samples)
    torch_ips = batch / statistics.median(torch_times)
    print(f"MLP 784-256-128-10, batch {batch}, Adam, {args.threads} threads; medians over "
          f"{args.rounds} rounds x {args.repetitions} repetitions")
    print(f"  PyTorch {version.split(',')[0]:<12} {statistics.median(torch_times) * 1e3:8.3f} ms/step  "
          f"{torch_ips:10.0f} images/s   ({version.split(', ', 1)[1]})")
    for name in ("reference", "student"):
        if name not in tiny_times:
            print(f"  tiny-nn {name:<12} not measured (TODO, or a wrong answer: see tools/labctl test tiny-nn)")
            continue
        med = statistics.median(tiny_times[name])
        ips = batch / med
        print(f"  tiny-nn {name:<12} {med * 1e3:8.3f} ms/step  {ips:10.0f} images/s   "
              f"{ips / torch_ips:.2f}x PyTorch")


if __name__ == "__main__":
    main()
