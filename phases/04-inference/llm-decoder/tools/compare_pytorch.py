#!/usr/bin/env python3
"""The same weights in PyTorch: GPT-2's forward pass written out in torch, on
the checkpoint llm-generate serves, and its logits against the engine's.

  python3 tools/compare_pytorch.py --model DIR --generate build/default/bin/llm-generate [--prompt TEXT]

Runs only where PyTorch is installed (Debian: python3-torch); elsewhere it
says so and exits 0. Reads model.safetensors with the standard library (the
header is JSON, the data raw little-endian), so the `safetensors` package is
not needed. Exit 1 when a logit differs by more than --tol (default 1e-3,
absolute + relative).
"""
import argparse, json, math, os, struct, subprocess, sys, tempfile


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return header, data


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--generate", required=True, help="path of llm-generate")
    ap.add_argument("--prompt", default="The quick brown fox jumps over the lazy dog.")
    ap.add_argument("--tol", type=float, default=1e-3)
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("skipped: PyTorch is not installed (Debian: apt-get install python3-torch)")
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "logits.json")
        subprocess.run([a.generate, "--model", a.model, "--prompt", a.prompt, "--dump-logits", dump], check=True)
        with open(dump) as f:
            engine = json.load(f)

    cfg = json.load(open(os.path.join(a.model, "config.json")))
    L, H, D = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    V = cfg["vocab_size"]
    header, data = read_safetensors(os.path.join(a.model, "model.safetensors"))
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    W = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dtypes[info["dtype"]]).reshape(info["shape"]).float()
        W[name[len("transformer."):] if name.startswith("transformer.") else name] = t

    ids = torch.tensor(engine["tokens"])
    T = len(ids)
    gelu = lambda x: 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (D,), W[p + ".weight"], W[p + ".bias"], 1e-5)
    with torch.no_grad():
        x = W["wte.weight"][ids] + W["wpe.weight"][:T]
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        for l in range(L):
            h = f"h.{l}."
            qkv = ln(x, h + "ln_1") @ W[h + "attn.c_attn.weight"] + W[h + "attn.c_attn.bias"]  # Conv1D: x @ W
            q, k, v = qkv.split(D, dim=-1)
            q, k, v = (t.view(T, H, D // H).transpose(0, 1) for t in (q, k, v))
            s = (q @ k.transpose(-1, -2)) / math.sqrt(D // H)
            y = torch.softmax(s.masked_fill(mask, float("-inf")), dim=-1) @ v
            x = x + y.transpose(0, 1).reshape(T, D) @ W[h + "attn.c_proj.weight"] + W[h + "attn.c_proj.bias"]
            f = gelu(ln(x, h + "ln_2") @ W[h + "mlp.c_fc.weight"] + W[h + "mlp.c_fc.bias"])
            x = x + f @ W[h + "mlp.c_proj.weight"] + W[h + "mlp.c_proj.bias"]
        x = ln(x, "ln_f")
        if "lm_head.weight" in W:
            hw = W["lm_head.weight"]
            logits = x @ (hw if tuple(hw.shape) == (D, V) else hw.T)
            if "lm_head.bias" in W:
                logits = logits + W["lm_head.bias"]
        else:
            logits = x @ W["wte.weight"].T  # tied, as GPT-2

    ours = torch.tensor(engine["logits"])
    err = (ours - logits).abs()
    bound = a.tol * (1 + logits.abs())
    worst = (err / bound).max().item()
    print(f"PyTorch {torch.__version__}: {T} positions x {V} logits, max |difference| {err.max().item():.3g}, "
          f"largest share of the bound {a.tol} (1 + |z|): {worst:.3f}")
    return 0 if worst <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
