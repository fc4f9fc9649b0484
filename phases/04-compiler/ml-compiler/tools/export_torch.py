#!/usr/bin/env python3
"""Export small PyTorch models with torch.onnx.export, for onnx-run to import.

    python3 tools/export_torch.py --out DIR

writes DIR/mlp.onnx, DIR/cnn.onnx, their inputs (DIR/<model>_input.npy) and
PyTorch's outputs (DIR/<model>_expected.npy). Needs python3-torch and
python3-onnx (tests/test_framework.cpp, OnnxRun.TorchExportedModelsImport,
skips without them). The models use what torch.onnx.export writes for
nn.Linear (Gemm, transB=1), nn.Conv2d, nn.BatchNorm2d (eval),
nn.MaxPool2d, nn.Flatten, nn.LayerNorm and nn.Softmax.
"""
import argparse
import os

import numpy as np
import torch
from torch import nn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    models = {
        "mlp": (nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.LayerNorm(32),
                              nn.Linear(32, 10), nn.Softmax(dim=-1)), torch.rand(4, 784)),
        "cnn": (nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(8 * 7 * 7, 10)), torch.rand(2, 1, 28, 28)),
    }
    for name, (model, x) in models.items():
        model.eval()
        for m in model.modules():  # non-trivial running statistics
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 2.0)
        with torch.no_grad():
            y = model(x)
        torch.onnx.export(model, x, os.path.join(args.out, name + ".onnx"), input_names=["input"],
                          output_names=["output"], opset_version=17)
        np.save(os.path.join(args.out, name + "_input.npy"), x.numpy().astype(np.float32))
        np.save(os.path.join(args.out, name + "_expected.npy"), y.numpy().astype(np.float32))
        print("wrote", name)


if __name__ == "__main__":
    main()
