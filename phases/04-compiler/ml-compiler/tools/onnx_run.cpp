// onnx-run: compile an ONNX model and run it on .npy inputs.
//
//   onnx-run MODEL.onnx --input NAME=FILE.npy ... --out DIR
//            [--dump-ir] [--dot DIR] [--no-fuse] [--schedule FILE] [--check]
//            [--systolic CFG|default] [--topology FILE.csv] [--impl reference|student] [-O FLAGS]
//   onnx-run --export mlp|cnn|cnn-bn|transformer --out DIR [--batch N] [--weights FILE.safetensors]
//
// Exit codes: 0 done, 1 an internal failure (the compiler failed), 2 bad
// usage or input (the message names the file and the fix).
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ml_compiler.hpp"

namespace mc = ml_compiler;

namespace {

const char* kUsage =
    "usage: onnx-run MODEL.onnx --input NAME=FILE.npy ... --out DIR [options]\n"
    "       onnx-run --export mlp|cnn|cnn-bn|transformer --out DIR [--batch N] [--weights FILE.safetensors]\n"
    "options:\n"
    "  --dump-ir            print the graph after each pass\n"
    "  --dot DIR            write DIR/before.dot and DIR/after.dot (Graphviz)\n"
    "  --no-fuse            skip fusion and the Conv+BatchNorm fold\n"
    "  --schedule FILE      matmul schedules: lines 'NODE ti=32 tj=256 tk=128 unroll=4 [parallel]' (NODE * = all)\n"
    "  --check              also run the interpreter and print the largest difference\n"
    "  --systolic CFG       per-layer cycles on a systolic array (a systolic-array .cfg, or 'default': 32x32 os)\n"
    "  --topology FILE      write the Gemm/Conv layers as a systolic-array topology CSV\n"
    "  --impl reference|student   whose passes to run (default reference)\n"
    "  -O FLAGS             flags for the generated module (default '-O3 -march=native')\n";

struct Usage : mc::InputError {
  using mc::InputError::InputError;
};

const mc::Impl& pick_impl(const std::string& name) {
  if (name == "student") return mc::student::impl();
#ifndef ML_COMPILER_NO_REFERENCE
  if (name == "reference") return mc::reference::impl();
#endif
  throw Usage("--impl " + name + ": choose reference or student");
}

int export_model(const std::string& which, const std::string& dir, int batch, const std::string& weights) {
  mc::ExportedModel m;
  if (which == "mlp") m = mc::export_mlp(batch, 1, weights);
  else if (which == "cnn") m = mc::export_cnn(batch, 1, false, weights);
  else if (which == "cnn-bn") m = mc::export_cnn(batch, 1, true, weights);
  else if (which == "transformer") m = mc::export_transformer(batch, 16, 1, weights);
  else throw Usage("--export " + which + ": choose mlp, cnn, cnn-bn or transformer");
  std::filesystem::create_directories(dir);
  const std::string model = dir + "/" + which + ".onnx";
  mc::write_onnx(model, m.graph);
  std::cout << "wrote " << model << "\n";
  for (const auto& [name, t] : m.example_inputs) {
    mc::write_npy(dir + "/" + name + ".npy", t);
    std::cout << "wrote " << dir << "/" << name << ".npy " << mc::shape_str(t.shape) << "\n";
  }
  for (const auto& [name, t] : m.tiny_nn_outputs) {
    mc::write_npy(dir + "/expected_" + name + ".npy", t);
    std::cout << "wrote " << dir << "/expected_" << name << ".npy (tiny-nn's forward pass)\n";
  }
  return 0;
}

int run(int argc, char** argv) {
  std::string model, out, schedule, dot, systolic, topology, impl_name = "reference", exported, weights;
  std::string flags = "-O3 -march=native";
  std::vector<std::pair<std::string, std::string>> inputs;
  bool dump = false, fuse = true, check = false;
  int batch = 8;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Usage(a + " needs a value\n" + kUsage);
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--input") {
      const std::string v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) throw Usage("--input " + v + ": write --input NAME=FILE.npy");
      inputs.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--out") {
      out = value();
    } else if (a == "--dump-ir") {
      dump = true;
    } else if (a == "--no-fuse") {
      fuse = false;
    } else if (a == "--check") {
      check = true;
    } else if (a == "--schedule") {
      schedule = value();
    } else if (a == "--dot") {
      dot = value();
    } else if (a == "--systolic") {
      systolic = value();
    } else if (a == "--topology") {
      topology = value();
    } else if (a == "--impl") {
      impl_name = value();
    } else if (a == "-O") {
      flags = value();
    } else if (a == "--export") {
      exported = value();
    } else if (a == "--weights") {
      weights = value();
    } else if (a == "--batch") {
      const std::string v = value();
      try {
        batch = std::stoi(v);
      } catch (const std::exception&) {
        batch = 0;
      }
      if (batch < 1) throw Usage("--batch " + v + ": give a positive integer");
    } else if (!a.empty() && a[0] == '-') {
      throw Usage("unknown option " + a + "\n" + kUsage);
    } else if (model.empty()) {
      model = a;
    } else {
      throw Usage("a second model '" + a + "'; give one MODEL.onnx\n" + kUsage);
    }
  }
  if (!exported.empty()) {
    if (out.empty()) throw Usage("--export needs --out DIR");
    return export_model(exported, out, batch, weights);
  }
  if (model.empty()) throw Usage(std::string("no model given\n") + kUsage);
  const mc::Impl& impl = pick_impl(impl_name);

  mc::Graph g = mc::read_onnx(model);
  mc::TensorMap feeds;
  std::map<std::string, mc::Shape> shapes;
  for (const auto& [name, file] : inputs) {
    if (!g.has_input(name))
      throw Usage("--input " + name + "=" + file + ": " + model + " has no input '" + name +
                  "'; its inputs: " + g.input_names());
    feeds[name] = mc::read_npy(file);
    shapes[name] = feeds[name].shape;
  }
  for (const auto& in : g.inputs)
    if (!feeds.count(in.name))
      throw Usage(model + " needs input '" + in.name + "'" + (in.known_shape ? " of shape " + mc::shape_str(in.shape) : "") +
                  "; fix: --input " + in.name + "=FILE.npy");
  try {
    mc::infer_shapes(g, shapes);
  } catch (const mc::InputError& e) {
    throw mc::InputError(model + ": with the inputs given, " + e.what());
  }
  const mc::Graph original = g;
  if (!dot.empty()) {
    std::filesystem::create_directories(dot);
    std::ofstream(dot + "/before.dot") << mc::to_dot(g);
  }

  mc::CompileOptions options;
  options.fuse = fuse;
  options.opt_flags = flags;
  if (!schedule.empty()) mc::read_schedule_file(schedule, options);
  if (dump)
    options.dump = [](const std::string& stage, const mc::Graph& graph) {
      std::cout << "==== after " << stage << " ====\n" << mc::to_text(graph);
    };
  const auto t0 = std::chrono::steady_clock::now();
  mc::Executable exe(g, impl, options);
  const auto t1 = std::chrono::steady_clock::now();
  const mc::TensorMap result = exe.run(feeds);
  const auto t2 = std::chrono::steady_clock::now();
  const auto& plan = exe.lowered().plan;
  std::cerr << "compiled " << exe.graph().nodes.size() << " kernels in "
            << std::chrono::duration<double>(t1 - t0).count() << " s ("
            << (exe.module().was_cached() ? "cached: " : "") << exe.module().path() << "), ran in "
            << std::chrono::duration<double, std::milli>(t2 - t1).count() << " ms\n"
            << "memory: arena " << plan.peak << " B (" << plan.strategy << "), separate buffers " << plan.sum
            << " B, lower bound " << plan.lower_bound << " B\n";
  if (!dot.empty()) std::ofstream(dot + "/after.dot") << mc::to_dot(exe.graph());
  if (check) {
    const mc::TensorMap ref = mc::interpret(original, feeds);
    for (const auto& [name, t] : result) {
      double worst = 0, scale = 0;
      for (std::size_t i = 0; i < t.data.size(); ++i) {
        worst = std::max(worst, std::fabs(static_cast<double>(t.data[i]) - ref.at(name).data[i]));
        scale = std::max(scale, std::fabs(static_cast<double>(ref.at(name).data[i])));
      }
      std::cout << "check " << name << ": max |compiled - interpreter| = " << worst << " (max |value| " << scale << ")\n";
    }
  }
  if (!systolic.empty() || !topology.empty()) {
    std::string csv;
    const auto layers = mc::systolic_layers(exe.graph(), systolic == "default" ? "" : systolic, &csv);
    if (!systolic.empty()) std::cout << mc::systolic_table(layers);
    if (!topology.empty()) {
      std::ofstream f(topology);
      if (!f) throw Usage(topology + ": cannot write; fix: check the folder");
      f << csv;
    }
  }
  if (!out.empty()) {
    std::filesystem::create_directories(out);
    for (const auto& [name, t] : result) {
      std::string file;
      for (char c : name) file += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_';
      mc::write_npy(out + "/" + file + ".npy", t);
      std::cout << "wrote " << out << "/" << file << ".npy " << mc::shape_str(t.shape) << "\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const mc::InputError& e) {
    std::cerr << "onnx-run: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "onnx-run: " << e.what() << "\n";
    return 1;
  }
}
