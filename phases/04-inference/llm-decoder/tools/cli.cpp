// llm-generate and llm-train: the command-line glue (the work is in the engine).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "llm_decoder.hpp"

namespace {

using namespace llm_decoder;

struct Args {
  std::string prog;
  std::vector<std::string> rest;
  std::size_t i = 0;
  bool next(std::string& flag) {
    if (i >= rest.size()) return false;
    flag = rest[i++];
    return true;
  }
  std::string value(const std::string& flag) {
    if (i >= rest.size()) throw InputError(flag + " needs a value (see " + prog + " --help)");
    return rest[i++];
  }
  double number(const std::string& flag) {
    const std::string v = value(flag);
    try {
      std::size_t used = 0;
      const double d = std::stod(v, &used);
      if (used == v.size()) return d;
    } catch (const std::exception&) {
    }
    throw InputError(flag + " expects a number, got '" + v + "'");
  }
  int integer(const std::string& flag) {
    const double d = number(flag);
    if (d != std::floor(d) || d < 0) throw InputError(flag + " expects a non-negative integer");
    return static_cast<int>(d);
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError(p.string() + ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Ops choose_ops(const std::string& impl) {
  if (impl == "student") return student::ops();
#ifndef LLM_DECODER_NO_REFERENCE
  if (impl == "reference") return reference::ops();
#endif
  throw InputError("--impl must be reference or student, got '" + impl + "'");
}

int run(const char* prog, int argc, char** argv, int (*body)(Args&)) {
  Args a{prog, std::vector<std::string>(argv + 1, argv + argc)};
  try {
    return body(a);
  } catch (const InputError& e) {
    std::cerr << prog << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << prog << ": " << e.what() << "\n";
    return 1;
  }
}

const char* kGenerateHelp = R"(llm-generate: run a GPT-2-layout model on the CPU, streaming tokens.

  llm-generate --model DIR [--prompt TEXT | --prompt-file FILE] [options]
  llm-generate --model DIR --perplexity FILE [--format F]

DIR holds config.json, model.safetensors, vocab.json and merges.txt (what
llm-train writes; a GPT-2 checkpoint from Hugging Face in that layout works).
  --max-new N        tokens to generate (default 100)
  --temperature T    0 = greedy (default 0.8)
  --top-k K          0 = all (default 40)
  --top-p P          nucleus mass, 1 = all (default 0.95)
  --seed S           sampling seed (default 1)
  --format F         fp32, q8_0 or q4_0 weights (default fp32)
  --impl I           reference or student functions (default reference)
  --perplexity FILE  mean NLL and perplexity of FILE in context-sized windows
  --dump-logits FILE the prompt's tokens and the logits after each of them
                     (prefill of the first, then decode steps), as JSON, for
                     tools/compare_pytorch.py
Prints the text on stdout as it comes, and prefill and decode tokens/s on stderr.
Exit code 2: a bad argument or file (the message says which and how to fix it).
)";

int generate(Args& a) {
  std::string model_dir, prompt = "\n", perplexity_file, dump_file, impl =
#ifndef LLM_DECODER_NO_REFERENCE
      "reference";
#else
      "student";
#endif
  int max_new = 100;
  SamplerConfig sc;
  sc.temperature = 0.8f;
  sc.top_k = 40;
  sc.top_p = 0.95f;
  WeightFormat format = WeightFormat::f32;
  std::string flag;
  while (a.next(flag)) {
    if (flag == "--help" || flag == "-h") {
      std::cout << kGenerateHelp;
      return 0;
    } else if (flag == "--model") model_dir = a.value(flag);
    else if (flag == "--prompt") prompt = a.value(flag);
    else if (flag == "--prompt-file") prompt = read_file(a.value(flag));
    else if (flag == "--max-new") max_new = a.integer(flag);
    else if (flag == "--temperature") sc.temperature = static_cast<float>(a.number(flag));
    else if (flag == "--top-k") sc.top_k = a.integer(flag);
    else if (flag == "--top-p") sc.top_p = static_cast<float>(a.number(flag));
    else if (flag == "--seed") sc.seed = static_cast<std::uint64_t>(a.integer(flag));
    else if (flag == "--format") format = parse_format(a.value(flag));
    else if (flag == "--impl") impl = a.value(flag);
    else if (flag == "--perplexity") perplexity_file = a.value(flag);
    else if (flag == "--dump-logits") dump_file = a.value(flag);
    else throw InputError("unknown option '" + flag + "' (see llm-generate --help)");
  }
  if (model_dir.empty()) throw InputError("--model DIR is required (a folder written by llm-train; see --help)");
  const Ops ops = choose_ops(impl);
  const std::filesystem::path dir(model_dir);
  const Config cfg = load_config(dir / "config.json");
  const Tokenizer tok = Tokenizer::load(dir / "vocab.json", dir / "merges.txt");
  if (tok.vocab_size() != cfg.vocab_size)
    throw InputError((dir / "vocab.json").string() + " has " + std::to_string(tok.vocab_size()) +
                     " tokens but config.json says vocab_size " + std::to_string(cfg.vocab_size));
  const Checkpoint ck = load_checkpoint(dir / "model.safetensors", cfg);
  const Model model(ck, format);
  std::cerr << "model: " << cfg.n_layer << " layers, " << cfg.n_head << " heads, d_model " << cfg.n_embd
            << ", context " << cfg.n_ctx << ", vocabulary " << cfg.vocab_size << "; " << format_name(format)
            << " weights, " << model.weight_bytes_per_token() / 1e6 << " MB read per token; functions: " << ops.name
            << "\n";
  if (!perplexity_file.empty()) {
    const std::vector<int> ids = tok.encode(read_file(perplexity_file), ops);
    const auto t0 = std::chrono::steady_clock::now();
    const double nll = mean_nll(model, ops, ids, cfg.n_ctx);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("perplexity: %s, %zu tokens, mean NLL %.4f nats, perplexity %.3f, %.0f tokens/s\n",
                format_name(format), ids.size(), nll, std::exp(nll), static_cast<double>(ids.size()) / s);
    return 0;
  }
  const std::vector<int> ids = tok.encode(prompt, ops);
  if (!dump_file.empty()) {
    if (ids.empty() || static_cast<int>(ids.size()) > cfg.n_ctx)
      throw InputError("--dump-logits needs a prompt of 1 to " + std::to_string(cfg.n_ctx) + " tokens, got " + std::to_string(ids.size()));
    Engine engine(model, ops);
    std::FILE* f = std::fopen(dump_file.c_str(), "w");
    if (!f) throw InputError(dump_file + ": cannot write");
    std::fprintf(f, "{\"tokens\": [");
    for (std::size_t i = 0; i < ids.size(); ++i) std::fprintf(f, "%s%d", i ? ", " : "", ids[i]);
    std::fprintf(f, "],\n \"logits\": [");
    const int seq = engine.prefill({ids[0]});
    for (std::size_t t = 0; t < ids.size(); ++t) {
      if (t > 0) engine.decode({seq}, {ids[t]});
      const auto& z = engine.last_logits(seq);
      std::fprintf(f, "%s[", t ? ",\n  " : "");
      for (std::size_t v = 0; v < z.size(); ++v) std::fprintf(f, "%s%.9g", v ? ", " : "", static_cast<double>(z[v]));
      std::fprintf(f, "]");
    }
    std::fprintf(f, "]}\n");
    std::fclose(f);
    std::fprintf(stderr, "wrote %zu x %d logits to %s\n", ids.size(), cfg.vocab_size, dump_file.c_str());
    return 0;
  }
  Engine engine(model, ops);
  Sampler sampler(sc, ops);
  GenerateStats st;
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  engine.generate(ids, max_new, sampler, tok.eot(), [&](int t) {
    if (t == tok.eot()) return;
    const std::string b = tok.token_bytes(t);
    std::fwrite(b.data(), 1, b.size(), stdout);
    std::fflush(stdout);
  }, &st);
  std::fputc('\n', stdout);
  std::fprintf(stderr, "prefill: %d tokens in %.2f ms, %.0f tokens/s\n", st.prompt_tokens, st.prefill_seconds * 1e3,
               st.prompt_tokens / std::max(st.prefill_seconds, 1e-9));
  const int decoded = std::max(0, st.generated_tokens - 1);  // the first token comes from the prefill's logits
  std::fprintf(stderr, "decode: %d tokens in %.2f ms, %.0f tokens/s\n", decoded, st.decode_seconds * 1e3,
               decoded / std::max(st.decode_seconds, 1e-9));
  return 0;
}

const char* kTrainHelp = R"(llm-train: train a small GPT with tiny-nn and save it in GPT-2's layout.

  llm-train --out DIR [--corpus PATH] [options]

--corpus is a text file or a folder of them (default /usr/share/games/fortunes,
Debian's fortunes package; files ending in .dat or .u8 are skipped). The last
5% of the text is held out and written to DIR/heldout.txt.
  --vocab N     BPE vocabulary, with <|endoftext|> (default 1024)
  --layers N --heads N --embd N --ctx N   the model (default 4, 4, 128, 256)
  --steps N     Adam steps (default 200)    --batch N  sequences per step (default 8)
  --lr X        peak learning rate (default 0.003)
  --threads N   (default 2)   --seed S (default 1)
Writes DIR/config.json, model.safetensors, vocab.json, merges.txt.
)";

int train(Args& a) {
  std::string out, corpus = "/usr/share/games/fortunes";
  TrainConfig tc;
  tc.model = Config{4, 4, 128, 256, 1024};
  tc.steps = 200;
  tc.batch = 8;
  std::string flag;
  while (a.next(flag)) {
    if (flag == "--help" || flag == "-h") {
      std::cout << kTrainHelp;
      return 0;
    } else if (flag == "--out") out = a.value(flag);
    else if (flag == "--corpus") corpus = a.value(flag);
    else if (flag == "--vocab") tc.model.vocab_size = a.integer(flag);
    else if (flag == "--layers") tc.model.n_layer = a.integer(flag);
    else if (flag == "--heads") tc.model.n_head = a.integer(flag);
    else if (flag == "--embd") tc.model.n_embd = a.integer(flag);
    else if (flag == "--ctx") tc.model.n_ctx = a.integer(flag);
    else if (flag == "--steps") tc.steps = a.integer(flag);
    else if (flag == "--batch") tc.batch = a.integer(flag);
    else if (flag == "--lr") tc.lr = static_cast<float>(a.number(flag));
    else if (flag == "--threads") tc.threads = a.integer(flag);
    else if (flag == "--seed") tc.seed = static_cast<std::uint64_t>(a.integer(flag));
    else throw InputError("unknown option '" + flag + "' (see llm-train --help)");
  }
  if (out.empty()) throw InputError("--out DIR is required (see llm-train --help)");
  if (tc.model.n_layer < 1 || tc.model.n_head < 1 || tc.model.n_embd % tc.model.n_head != 0 || tc.model.n_ctx < 2 ||
      tc.steps < 1 || tc.batch < 1)
    throw InputError("the model needs layers, heads, steps and batch >= 1, ctx >= 2, and embd a multiple of heads");
  std::string text;
  const std::filesystem::path cp(corpus);
  if (std::filesystem::is_directory(cp)) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(cp))
      if (e.is_regular_file() && !e.is_symlink() && e.path().extension() != ".dat" && e.path().extension() != ".u8")
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) text += read_file(f);
  } else if (std::filesystem::exists(cp)) {
    text = read_file(cp);
  } else {
    throw InputError(corpus + ": not found (install Debian's fortunes package: tools/labctl deps, or give --corpus FILE)");
  }
  const std::size_t held = text.size() / 20;
  const std::string train_text = text.substr(0, text.size() - held), heldout = text.substr(text.size() - held);
  const Ops ops = choose_ops(
#ifndef LLM_DECODER_NO_REFERENCE
      "reference"
#else
      "student"
#endif
  );
  auto t0 = std::chrono::steady_clock::now();
  const Tokenizer tok = Tokenizer::train(train_text, tc.model.vocab_size, ops);
  tc.model.vocab_size = tok.vocab_size();
  const std::vector<int> ids = tok.encode(train_text, ops);
  const double bpe_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "BPE: %d merges in %.1f s; %zu bytes -> %zu tokens (%.3f tokens per byte)\n", tok.merges(),
               bpe_s, train_text.size(), ids.size(), static_cast<double>(ids.size()) / static_cast<double>(train_text.size()));
  const TrainResult r = train_gpt(ids, tc, [&](int step, double loss) {
    if (step % 10 == 0 || step == tc.steps) std::fprintf(stderr, "progress: step %d/%d  loss %.4f\n", step, tc.steps, loss);
  });
  const std::filesystem::path dir(out);
  std::filesystem::create_directories(dir);
  save_config(dir / "config.json", tc.model);
  save_checkpoint(dir / "model.safetensors", r.checkpoint);
  tok.save(dir / "vocab.json", dir / "merges.txt");
  std::ofstream(dir / "heldout.txt", std::ios::binary) << heldout;
  double first = 0, last = 0;
  const std::size_t k = std::min<std::size_t>(10, r.losses.size());
  for (std::size_t i = 0; i < k; ++i) {
    first += r.losses[i] / static_cast<double>(k);
    last += r.losses[r.losses.size() - 1 - i] / static_cast<double>(k);
  }
  std::fprintf(stderr, "trained %d steps of %d x %d tokens in %.1f s (%.0f tokens/s); loss %.3f -> %.3f (means of 10 steps)\n",
               tc.steps, tc.batch, tc.model.n_ctx, r.seconds, tc.steps * double(tc.batch) * tc.model.n_ctx / r.seconds,
               first, last);
  std::fprintf(stderr, "wrote %s/{config.json, model.safetensors, vocab.json, merges.txt, heldout.txt}\n", out.c_str());
  return 0;
}

}  // namespace

int generate_main(int argc, char** argv) { return run("llm-generate", argc, argv, generate); }
int train_main(int argc, char** argv) { return run("llm-train", argc, argv, train); }
