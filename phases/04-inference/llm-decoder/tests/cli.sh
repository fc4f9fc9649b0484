#!/usr/bin/env bash
# llm-train and llm-generate end to end, on a tiny model trained for a few
# steps on a small text (not fortunes: the test needs no package and no minutes).
#   cli.sh LLM_TRAIN LLM_GENERATE CORPUS SCRATCH
set -u
train=$1 generate=$2 corpus=$3 dir=$4
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { # expect_rc CODE LOG command...: runs it, checks the exit code
  local code=$1 log=$2
  shift 2
  "$@" > "$log.out" 2> "$log.err"
  local rc=$?
  [ "$rc" -eq "$code" ] || { cat "$log.out" "$log.err"; fail "exit $rc, expected $code: $*"; }
}

expect_rc 0 "$dir/train" "$train" --out "$dir/m" --corpus "$corpus" --vocab 300 --layers 1 --heads 2 --embd 32 \
  --ctx 32 --steps 20 --batch 4 --threads 1
for f in config.json model.safetensors vocab.json merges.txt heldout.txt; do
  [ -s "$dir/m/$f" ] || fail "llm-train did not write $f"
done
grep -q '"n_embd": 32' "$dir/m/config.json" || fail "config.json lacks n_embd 32"
head -1 "$dir/m/merges.txt" | grep -q '^#version: 0.2' || fail "merges.txt lacks GPT-2's version line"

for fmt in fp32 q8_0 q4_0; do
  expect_rc 0 "$dir/gen-$fmt" "$generate" --model "$dir/m" --prompt "The lab " --max-new 12 --seed 3 --format "$fmt"
  grep -Eq '^prefill: [0-9]+ tokens in .* tokens/s$' "$dir/gen-$fmt.err" || { cat "$dir/gen-$fmt.err"; fail "no prefill tokens/s ($fmt)"; }
  grep -Eq '^decode: [0-9]+ tokens in .* tokens/s$' "$dir/gen-$fmt.err" || { cat "$dir/gen-$fmt.err"; fail "no decode tokens/s ($fmt)"; }
  grep -q '^The lab ' "$dir/gen-$fmt.out" || fail "the prompt does not start the output ($fmt)"
done
# The same seed gives the same text.
expect_rc 0 "$dir/gen-again" "$generate" --model "$dir/m" --prompt "The lab " --max-new 12 --seed 3
cmp -s "$dir/gen-fp32.out" "$dir/gen-again.out" || fail "the same seed gave different text"

expect_rc 0 "$dir/ppl" "$generate" --model "$dir/m" --perplexity "$dir/m/heldout.txt"
grep -Eq '^perplexity: fp32, [0-9]+ tokens, mean NLL [0-9.]+ nats, perplexity [0-9.]+' "$dir/ppl.out" || { cat "$dir/ppl.out"; fail "no perplexity line"; }

# A prompt longer than the context (32 tokens): refused, naming both numbers.
long=$(printf 'zq%.0s ' $(seq 1 40))
expect_rc 2 "$dir/long" "$generate" --model "$dir/m" --prompt "$long"
grep -Eq 'prompt of [0-9]+ tokens is longer than the context of 32 tokens' "$dir/long.err" || { cat "$dir/long.err"; fail "too-long prompt message"; }

# A config that does not match the checkpoint: the tensor and both shapes.
mkdir -p "$dir/bad" && cp "$dir/m/"* "$dir/bad/"
sed -i 's/"n_ctx": 32/"n_ctx": 64/; s/"n_positions": 32/"n_positions": 64/' "$dir/bad/config.json"
expect_rc 2 "$dir/bad" "$generate" --model "$dir/bad" --prompt "x"
grep -q 'wpe.weight has shape \[32, 32\], expected \[64, 32\]' "$dir/bad.err" || { cat "$dir/bad.err"; fail "mis-shaped tensor message"; }

expect_rc 2 "$dir/opt" "$generate" --model "$dir/m" --frobnicate
grep -q "unknown option '--frobnicate'" "$dir/opt.err" || fail "unknown option message"
expect_rc 2 "$dir/nomodel" "$generate" --model "$dir/nowhere"
grep -q 'config.json: cannot open' "$dir/nomodel.err" || fail "missing model message"
echo "llm-train and llm-generate: all checks passed"
