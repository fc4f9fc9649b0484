// ml-compiler: the interface of the lab.
//
// An ONNX model goes through the same stages as in TVM, XLA or tinygrad:
//
//   read_onnx            protobuf wire format -> Graph (nodes, initializers, inputs, outputs)
//   infer_shapes         every value's shape, from the inputs' shapes and the op semantics
//   passes               constant folding, dead-code elimination, common-subexpression
//                        elimination, fusion (MatMul+Add+Relu -> Gemm with an epilogue,
//                        Conv+BatchNormalization -> Conv), layout choice
//   memory planner       liveness intervals -> offsets in one arena
//   lowering             each (fused) op -> a loop nest; schedule primitives (split,
//                        reorder, tile, vectorize, parallel, unroll) reshape the nest
//   code generation      C++ source, compiled by the system compiler, loaded with dlopen
//   systolic backend     Gemm/Conv layers -> the systolic-array lab's topology, cycles
//
// Two parts:
//   ml_compiler::            the framework every tool and test shares (core/)
//   ::reference / ::student  the four pieces learners write (student/*.cpp):
//                            constant folding, Conv+BatchNorm folding, liveness
//                            intervals, and tiling a matmul loop nest.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ml_compiler {

using Shape = std::vector<std::int64_t>;
std::int64_t numel(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[2, 3]"

// Bad input (a malformed file, an unsupported op, a wrong input shape): the
// commands print what() and exit 2. The message names the file or node and the fix.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor with values: an initializer, a graph input or output, or a
// result. Values are float32; ONNX int64/int32 tensors (Reshape shapes,
// Gather indices) are held as floats too (exact below 2^24).
struct Constant {
  Shape shape;
  std::vector<float> data;
  int elem_type = 1;  // ONNX TensorProto.DataType: 1 FLOAT, 6 INT32, 7 INT64
};

struct Attr {
  enum Kind { kNone, kFloat, kInt, kString, kTensor, kFloats, kInts } kind = kNone;
  float f = 0;
  std::int64_t i = 0;
  std::string s;
  Constant t;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
};

struct Node {
  std::string name, op;
  std::vector<std::string> inputs, outputs;  // "" is an omitted optional input
  std::map<std::string, Attr> attrs;

  std::int64_t attr_i(const std::string& key, std::int64_t fallback) const;
  float attr_f(const std::string& key, float fallback) const;
  std::string attr_s(const std::string& key, const std::string& fallback) const;
  std::vector<std::int64_t> attr_ints(const std::string& key, std::vector<std::int64_t> fallback) const;
  void set_i(const std::string& key, std::int64_t v);
  void set_s(const std::string& key, std::string v);
  void set_ints(const std::string& key, std::vector<std::int64_t> v);
};

struct ValueInfo {
  std::string name;
  Shape shape;        // empty with known_shape = false when the file gives none
  bool known_shape = true;
  int elem_type = 1;
};

struct Graph {
  std::string name = "graph";
  std::vector<Node> nodes;                       // in topological order
  std::map<std::string, Constant> initializers;  // weights and other constants
  std::vector<ValueInfo> inputs, outputs;        // inputs exclude initializers
  std::map<std::string, Shape> shapes;           // every value's shape, after infer_shapes
  std::int64_t opset = 17;

  bool is_constant(const std::string& value) const { return initializers.count(value) != 0; }
  const Node* producer(const std::string& value) const;
  std::map<std::string, int> use_counts() const;  // node inputs and graph outputs
  std::string fresh_name(const std::string& base) const;  // a value name not yet used
  bool has_input(const std::string& name) const;
  std::string input_names() const;  // "images, ids"
};

// ---- ONNX: a small protobuf wire-format reader and writer (core/onnx.cpp) ----
Graph read_onnx(const std::string& path);  // InputError naming the file, what is wrong, and the fix
Graph parse_onnx(std::string_view bytes, const std::string& name);
std::string serialize_onnx(const Graph& g);
void write_onnx(const std::string& path, const Graph& g);
// The ops this compiler runs. check_supported throws InputError naming the
// first other op and its node.
const std::vector<std::string>& supported_ops();
void check_supported(const Graph& g);

// ---- NumPy .npy files (version 1.0, little-endian f4/f8/i4/i8 in, f4 out) ----
Constant read_npy(const std::string& path);  // InputError naming the file and the fix
void write_npy(const std::string& path, const Constant& t);

// ---- The interpreter: plain loops, the numbers everything else is held to ----
using TensorMap = std::map<std::string, Constant>;
Constant evaluate_node(const Node& node, const std::vector<const Constant*>& inputs);  // one output
TensorMap interpret(const Graph& g, const TensorMap& inputs);  // the graph outputs, by name

// ---- Passes (core/passes.cpp) ----
// Fills g.shapes (and the inputs' shapes from `input_shapes`, if given).
// Throws InputError naming the node and the shapes that do not fit.
void infer_shapes(Graph& g, const std::map<std::string, Shape>& input_shapes = {});
int eliminate_dead_code(Graph& g);        // nodes and initializers no output depends on; returns how many removed
int eliminate_common_subexpressions(Graph& g);  // same op, attributes and inputs: one node; returns removed
int fuse_gemm_epilogues(Graph& g);        // MatMul+Add(bias) -> Gemm, Gemm/Conv+Relu -> activation attribute
int choose_layouts(Graph& g);             // Gemm weights stored transB=1 -> transposed once to [K, N]
std::string to_text(const Graph& g);      // one line per node, with shapes
std::string to_dot(const Graph& g);       // Graphviz

// ---- Memory planning (core/planner.cpp) ----
// A value's lifetime in node steps: written by node `first` (-1: a graph
// input), last read by node `last` (nodes.size(): a graph output).
struct Interval {
  std::string value;
  int first = 0, last = 0;
  std::int64_t bytes = 0;
};
struct Plan {
  std::string strategy;
  std::map<std::string, std::int64_t> offsets;  // byte offset of each planned value in the arena
  std::int64_t peak = 0;         // arena size
  std::int64_t sum = 0;          // every planned tensor with its own buffer
  std::int64_t lower_bound = 0;  // the most bytes live at one step: no plan does better
};
constexpr std::int64_t kArenaAlign = 64;
std::int64_t max_live_bytes(const std::vector<Interval>& intervals);
Plan plan_greedy_by_size(const std::vector<Interval>& intervals);  // largest first, lowest offset that fits
Plan plan_best_fit(const std::vector<Interval>& intervals);        // largest first, smallest gap that fits
std::string check_plan(const std::vector<Interval>& intervals, const Plan& plan);  // "" or the first overlap

// ---- Loop nests and schedule primitives (core/loops.cpp) ----
// A perfect loop nest over named axes with one statement in the innermost
// loop. The statement reads the original axis names (i, j, k); after split
// the nest defines them from the parts (i = i_o * 32 + i_i).
struct Loop {
  enum Kind { serial, parallel, vectorized, unrolled };
  std::string var;
  std::string axis;           // the original axis it iterates part of
  std::int64_t extent = 0;    // trip count (the most, for a tail loop)
  std::string extent_expr;    // C++ for the trip count: a number, or min(...) for a tail
  std::int64_t stride = 1;    // axis value = sum over the axis's loops of var * stride
  Kind kind = serial;
  int unroll = 0;
  std::vector<std::string> needs;  // loops extent_expr reads: they must enclose this one
};
class LoopNest {
 public:
  LoopNest(std::vector<std::pair<std::string, std::int64_t>> axes, std::string body);
  // A reduction axis (matmul's k) may not be vectorized or parallelized:
  // every iteration adds into the same element.
  void mark_reduction(const std::string& axis) { reductions_.push_back(axis); }
  // var -> var_o (outer, ceil(extent/factor)) and var_i (inner, factor), in its place.
  void split(const std::string& var, std::int64_t factor);
  // The loops named take the positions those loops held, in the order given.
  // An inner part may not move above its outer part (std::invalid_argument).
  void reorder(const std::vector<std::string>& order);
  // split(x, fx), split(y, fy), then x_o y_o x_i y_i.
  void tile(const std::string& x, const std::string& y, std::int64_t fx, std::int64_t fy);
  void vectorize(const std::string& var);  // #pragma omp simd (innermost loops only)
  void parallel(const std::string& var);   // #pragma omp parallel for (outermost only)
  void unroll(const std::string& var, int factor);  // #pragma GCC unroll
  // The statement's output element, written {OUT} in the body: `expr` reads
  // the output axes (c[i * N + j], axes i and j).
  void set_output(std::string expr, std::vector<std::string> axes);
  // cache_write(var): inside loop `var`, the output tile the loops below it
  // touch accumulates in a local array (registers, once the loops over it are
  // unrolled and vectorized), loaded before and stored after them.
  void cache_write(const std::string& var);
  const std::vector<Loop>& loops() const { return loops_; }
  std::string order() const;  // "i_o j_o k"
  std::string emit(int indent = 1) const;
 private:
  int find(const std::string& var) const;
  std::vector<Loop> loops_;
  std::vector<std::pair<std::string, std::int64_t>> axes_;
  std::vector<std::string> reductions_;
  std::string body_;
  std::string out_expr_, cache_at_;
  std::vector<std::string> out_axes_;
};

// A matmul schedule: cache tiles ti x tj x tk (0 = not split), an optional
// register tile mr x nr inside them (0 = none), the unroll factor of the k
// loop (without a register tile), and whether the outermost loop is parallel.
struct MatmulSchedule {
  std::int64_t ti = 0, tj = 0, tk = 0;
  int unroll = 0;
  bool parallel = false;
  std::int64_t mr = 0, nr = 0;
  std::string describe() const;  // "ti=32 tj=256 tk=128 unroll=4 mr=8 nr=32"
};
// The nest for out += rhs over axes i (M), j (N), k (K, a reduction), e.g.
// out "c[i * N + j]", rhs "a[i * K + k] * b[k * N + j]".
LoopNest matmul_nest(std::int64_t M, std::int64_t N, std::int64_t K, const std::string& out, const std::string& rhs);

// ---- The compiler (core/codegen.cpp) ----
// The pieces a learner writes, so the pipeline can run either implementation.
struct Impl {
  int (*fold_constants)(Graph&);
  int (*fold_conv_batchnorm)(Graph&);
  std::vector<Interval> (*liveness)(const Graph&);
  void (*tile_matmul)(LoopNest&, const MatmulSchedule&);
};

struct CompileOptions {
  bool fuse = true;                   // fusion and the Conv+BN fold
  std::string opt_flags = "-O3 -march=native";
  std::string cache_dir;              // default: $MLC_CACHE_DIR, else <tmp>/ml-compiler-cache
  MatmulSchedule matmul{32, 256, 256, 0, false, 8, 32};          // for every Gemm/MatMul unless named below
  std::map<std::string, MatmulSchedule> schedules;        // by node name (--schedule FILE)
  std::function<void(const std::string& stage, const Graph&)> dump;  // after each pass
};
// Reads "NODE ti=32 tj=256 tk=128 unroll=4 [mr=8 nr=32] [parallel]" lines ('#' comments,
// NODE '*' for every matmul). InputError naming the file and line.
void read_schedule_file(const std::string& path, CompileOptions& options);

// Runs the passes in order: shapes, constant folding, DCE, CSE, fusion and
// Conv+BN folding (unless !fuse), layout choice, shapes again.
void optimize(Graph& g, const Impl& impl, const CompileOptions& options);

struct Lowered {
  std::string source;                 // the C++ module
  std::vector<std::string> slots;     // value name of each pointer the entry point takes
  Plan plan;
  std::vector<Interval> intervals;
};
Lowered lower(const Graph& g, const Impl& impl, const CompileOptions& options);

// A compiled module: <cache>/<hash>.so, built by the system compiler ($CXX,
// else c++) when not yet there. Throws std::runtime_error with the compiler's
// message, or saying which compiler was not found and how to choose one.
class Module {
 public:
  Module(const std::string& source, const std::string& flags, const std::string& cache_dir);
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  void run(float* const* slots) const { fn_(slots); }
  bool was_cached() const { return cached_; }
  const std::string& path() const { return path_; }
 private:
  void* handle_ = nullptr;
  void (*fn_)(float* const*) = nullptr;
  bool cached_ = false;
  std::string path_;
};

// A model ready to run: the optimized graph, its plan and its module.
class Executable {
 public:
  Executable(Graph g, const Impl& impl, const CompileOptions& options);
  TensorMap run(const TensorMap& inputs);     // checks names and shapes (InputError)
  void run_raw();                             // the module alone, on the inputs last given
  const Graph& graph() const { return graph_; }
  const Lowered& lowered() const { return lowered_; }
  const Module& module() const { return *module_; }
 private:
  Graph graph_;
  Lowered lowered_;
  std::unique_ptr<Module> module_;
  std::vector<float> arena_;
  std::vector<std::vector<float>> inputs_;
  std::vector<float*> slots_;
};
std::string default_cache_dir();
std::string fnv1a_hex(std::string_view text);

// ---- Models from the tiny-nn lab (core/export.cpp) ----
// Deterministically initialised (seeded) tiny-nn models, optionally with
// weights from a safetensors file written by tiny-nn_train, as ONNX graphs.
struct ExportedModel {
  Graph graph;
  TensorMap example_inputs;   // one batch
  TensorMap tiny_nn_outputs;  // tiny-nn's eager forward pass on them
};
ExportedModel export_mlp(int batch, std::uint64_t seed, const std::string& weights = "");
ExportedModel export_cnn(int batch, std::uint64_t seed, bool batchnorm, const std::string& weights = "");
ExportedModel export_transformer(int batch, int T, std::uint64_t seed, const std::string& weights = "");

// ---- The systolic-array backend (core/systolic.cpp) ----
struct SystolicLayer {
  std::string node, op;
  std::int64_t repeats = 1;         // batch x heads for a batched MatMul
  std::int64_t M = 0, N = 0, K = 0;
  std::int64_t cycles = 0;          // all repeats
  double util_pct = 0;
  std::int64_t ifmap_sram_reads = 0, filter_sram_reads = 0, ofmap_sram_writes = 0;
};
// Gemm/MatMul/Conv of a shaped graph on an array (a systolic-array .cfg
// file, or "" for 32x32 output stationary).
std::vector<SystolicLayer> systolic_layers(const Graph& g, const std::string& config_path,
                                           std::string* topology_csv = nullptr);
std::string systolic_table(const std::vector<SystolicLayer>& layers);

}  // namespace ml_compiler

// ---- What learners write (student/), and the reference (reference/) --------
#define ML_COMPILER_TASKS                                                               \
  /* TODO 1: replace every node whose inputs are all constants by its value. */        \
  int fold_constants(Graph& g);                                                         \
  /* TODO 2: Conv followed by BatchNormalization -> one Conv, new weights and bias. */  \
  int fold_conv_batchnorm(Graph& g);                                                    \
  /* TODO 3: each non-constant value's lifetime in node steps. */                       \
  std::vector<Interval> liveness(const Graph& g);                                       \
  /* TODO 4: tile the matmul nest (i, j, k) by the schedule. */                         \
  void tile_matmul(LoopNest& nest, const MatmulSchedule& s);                            \
  const Impl& impl();

namespace ml_compiler::reference {
ML_COMPILER_TASKS
}
namespace ml_compiler::student {
ML_COMPILER_TASKS
}
