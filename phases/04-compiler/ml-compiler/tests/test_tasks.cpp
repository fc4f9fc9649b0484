// The four tasks (student/tasks.cpp), each on a small graph with known
// answers and on the tiny-nn models. Compiled against both implementations.
#include "test_support.hpp"

namespace {

using namespace mlc_test;
namespace impl = ml_compiler::LABKIT_IMPL;

// x + transpose(c) * 2: the Transpose and the Mul have constant inputs only.
Graph constant_chain() {
  Graph g;
  g.inputs.push_back({"x", {2, 3}, true, 1});
  g.initializers["c"] = tensor({3, 2}, {1, 2, 3, 4, 5, 6});
  g.initializers["two"] = tensor({}, {2});
  Node t = make_node("Transpose", {"c"}, "ct");
  g.nodes.push_back(t);
  g.nodes.push_back(make_node("Mul", {"ct", "two"}, "ct2"));
  g.nodes.push_back(make_node("Add", {"x", "ct2"}, "y"));
  g.outputs.push_back({"y", {}, false, 1});
  infer_shapes(g);
  return g;
}

TEST(FoldConstants, FoldsAChainIntoOneInitializer) {
  Graph g = constant_chain();
  const TensorMap in{{"x", tensor({2, 3}, {10, 20, 30, 40, 50, 60})}};
  const TensorMap before = interpret(g, in);
  EXPECT_EQ(impl::fold_constants(g), 2);
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].op, "Add");
  ASSERT_TRUE(g.is_constant("ct2"));
  // transpose([[1,2],[3,4],[5,6]]) * 2 = [[2,6,10],[4,8,12]]
  EXPECT_ELEMENTS_EQ(g.initializers.at("ct2").data, (std::vector<float>{2, 6, 10, 4, 8, 12}));
  EXPECT_EQ(shape_str(g.initializers.at("ct2").shape), "[2, 3]");
  expect_outputs_close(interpret(g, in), before, 0, 0);
}

TEST(FoldConstants, KeepsNodesThatReadInputsAndGraphOutputs) {
  Graph g;
  g.initializers["c"] = tensor({2}, {1, -2});
  g.inputs.push_back({"x", {2}, true, 1});
  g.nodes.push_back(make_node("Relu", {"c"}, "out_const"));  // a graph output: stays a node
  g.nodes.push_back(make_node("Add", {"x", "c"}, "y"));
  g.outputs.push_back({"out_const", {}, false, 1});
  g.outputs.push_back({"y", {}, false, 1});
  infer_shapes(g);
  EXPECT_EQ(impl::fold_constants(g), 0);
  EXPECT_EQ(g.nodes.size(), 2u);
}

TEST(FoldConstants, FoldsTheTransformersPositionEmbedding) {
  ExportedModel m = export_transformer(1, 4, 3);
  infer_shapes(m.graph);
  const std::size_t nodes = m.graph.nodes.size();
  // Gather(wpe, positions): both constants.
  EXPECT_GE(impl::fold_constants(m.graph), 1);
  EXPECT_LT(m.graph.nodes.size(), nodes);
  for (const Node& n : m.graph.nodes)
    EXPECT_FALSE(n.op == "Gather" && n.inputs[0] == "wpe.weight") << n.name << " was not folded";
  expect_outputs_close(interpret(m.graph, m.example_inputs), m.tiny_nn_outputs, 1e-4, 1e-4);
}

TEST(FoldConvBatchNorm, OneChannelByHand) {
  // y = 2x + 1 (1x1 conv), BN: gamma 3, beta 0.5, mean 1, var 3, eps 1:
  // s = 3 / sqrt(4) = 1.5; W' = 3, b' = 1.5 (1 - 1) + 0.5 = 0.5.
  Graph g;
  g.inputs.push_back({"x", {1, 1, 2, 2}, true, 1});
  g.initializers["w"] = tensor({1, 1, 1, 1}, {2});
  g.initializers["b"] = tensor({1}, {1});
  for (auto [name, v] : {std::pair<const char*, float>{"gamma", 3}, {"beta", 0.5f}, {"mean", 1}, {"var", 3}})
    g.initializers[name] = tensor({1}, {v});
  g.nodes.push_back(make_node("Conv", {"x", "w", "b"}, "c"));
  Node bn = make_node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, "y");
  Attr eps;
  eps.kind = Attr::kFloat;
  eps.f = 1.0f;
  bn.attrs["epsilon"] = eps;
  g.nodes.push_back(bn);
  g.outputs.push_back({"y", {}, false, 1});
  infer_shapes(g);
  EXPECT_EQ(impl::fold_conv_batchnorm(g), 1);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& c = g.nodes[0];
  EXPECT_EQ(c.op, "Conv");
  EXPECT_EQ(c.outputs[0], "y");
  ASSERT_EQ(c.inputs.size(), 3u);
  EXPECT_ELEMENTS_EQ(g.initializers.at(c.inputs[1]).data, std::vector<float>{3});
  EXPECT_ELEMENTS_EQ(g.initializers.at(c.inputs[2]).data, std::vector<float>{0.5f});
}

TEST(FoldConvBatchNorm, TheCnnKeepsItsOutputs) {
  ExportedModel m = export_cnn(2, 5, /*batchnorm=*/true);
  infer_shapes(m.graph);
  EXPECT_EQ(impl::fold_conv_batchnorm(m.graph), 2);
  for (const Node& n : m.graph.nodes) EXPECT_NE(n.op, "BatchNormalization");
  infer_shapes(m.graph);
  // Folding reassociates each product (s (W x) -> (s W) x): float rounding only.
  expect_outputs_close(interpret(m.graph, m.example_inputs), m.tiny_nn_outputs, 1e-4, 1e-5);
}

TEST(Liveness, AChainByHand) {
  // a = relu(x); b = a + x; y = relu(b): steps 0, 1, 2; y is an output.
  Graph g;
  g.inputs.push_back({"x", {4}, true, 1});
  g.nodes.push_back(make_node("Relu", {"x"}, "a"));
  g.nodes.push_back(make_node("Add", {"a", "x"}, "b"));
  g.nodes.push_back(make_node("Relu", {"b"}, "y"));
  g.nodes.push_back(make_node("Relu", {"x"}, "unused"));
  g.outputs.push_back({"y", {}, false, 1});
  infer_shapes(g);
  const auto iv = impl::liveness(g);
  ASSERT_EQ(iv.size(), 5u);
  const struct {
    const char* v;
    int first, last;
  } want[] = {{"x", -1, 3}, {"a", 0, 1}, {"b", 1, 2}, {"y", 2, 4}, {"unused", 3, 3}};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(iv[i].value, want[i].v);
    EXPECT_EQ(iv[i].first, want[i].first) << want[i].v;
    EXPECT_EQ(iv[i].last, want[i].last) << want[i].v;
    EXPECT_EQ(iv[i].bytes, 16) << want[i].v;
  }
}

TEST(Liveness, PlansOfTheTinyNnModelsNeverOverlap) {
  for (int which = 0; which < 3; ++which) {
    ExportedModel m = which == 0 ? export_mlp(4, 1) : which == 1 ? export_cnn(2, 1, true) : export_transformer(2, 8, 1);
    infer_shapes(m.graph);
    const auto iv = impl::liveness(m.graph);
    std::size_t values = m.graph.inputs.size() + m.graph.nodes.size();
    EXPECT_EQ(iv.size(), values) << m.graph.name;
    for (const Plan& p : {plan_greedy_by_size(iv), plan_best_fit(iv)}) {
      EXPECT_EQ(check_plan(iv, p), "") << m.graph.name << ", " << p.strategy;
      EXPECT_GE(p.peak, p.lower_bound) << m.graph.name;
      EXPECT_LT(p.peak, p.sum) << m.graph.name << ": " << p.strategy << " reused nothing";
    }
  }
}

TEST(TileMatmul, LoopOrderAndAnnotations) {
  LoopNest nest = matmul_nest(100, 64, 30, "c[i * 64 + j]", "a[i * 30 + k] * b[k * 64 + j]");
  impl::tile_matmul(nest, {32, 16, 8, 4, false});
  EXPECT_EQ(nest.order(), "i_o j_o k_o i_i k_i j_i");
  const auto& l = nest.loops();
  ASSERT_EQ(l.size(), 6u);
  EXPECT_EQ(l[0].extent, 4);   // ceil(100 / 32)
  EXPECT_EQ(l[1].extent, 4);   // 64 / 16
  EXPECT_EQ(l[2].extent, 4);   // ceil(30 / 8)
  EXPECT_EQ(l[5].kind, Loop::vectorized);
  EXPECT_EQ(l[4].unroll, 4);
  // 100 = 3 x 32 + 4: i_i's trip count is a min() for the tail.
  EXPECT_NE(l[3].extent_expr.find("min"), std::string::npos) << l[3].extent_expr;
  EXPECT_EQ(l[5].extent_expr, "16");
}

TEST(TileMatmul, OnlySomeAxesSplitAndParallel) {
  LoopNest nest = matmul_nest(8, 64, 30, "c[i * 64 + j]", "a[i * 30 + k] * b[k * 64 + j]");
  impl::tile_matmul(nest, {0, 32, 0, 0, true});
  EXPECT_EQ(nest.order(), "j_o i k j_i");
  EXPECT_EQ(nest.loops()[0].kind, Loop::parallel);
  EXPECT_EQ(nest.loops()[3].kind, Loop::vectorized);
}

TEST(TileMatmul, RegisterTileInsideTheCacheTile) {
  LoopNest nest = matmul_nest(64, 256, 784, "c[i * 256 + j]", "a[i * 784 + k] * b[k * 256 + j]");
  impl::tile_matmul(nest, {32, 128, 256, 0, false, 8, 32});
  EXPECT_EQ(nest.order(), "i_o j_o k_o i_i_o j_i_o k_i i_i_i j_i_i");
  const auto& l = nest.loops();
  ASSERT_EQ(l.size(), 8u);
  EXPECT_EQ(l[3].extent, 4);   // 32 / 8
  EXPECT_EQ(l[4].extent, 4);   // 128 / 32
  EXPECT_EQ(l[5].extent, 256);
  EXPECT_EQ(l[6].unroll, 8);
  EXPECT_EQ(l[7].kind, Loop::vectorized);
  const std::string code = nest.emit();
  // The 8 x 32 tile of C is accumulated in a local array for the whole k_i loop.
  EXPECT_NE(code.find("float acc[256];"), std::string::npos) << code;
  EXPECT_NE(code.find("acc[(i_i_i) * 32 + (j_i_i)] += a[i * 784 + k] * b[k * 256 + j];"), std::string::npos) << code;
}

// One generated module (-O1, cached): the MLP, held to tiny-nn's forward pass.
TEST(TileMatmul, CompiledMlpMatchesTinyNn) {
  ExportedModel m = export_mlp(4, 11);
  CompileOptions o = test_options();
  o.matmul = {4, 64, 128, 0, false, 2, 32};  // a register tile; 784 = 6 x 128 + 16: a k tail
  Executable exe(m.graph, impl::impl(), o);
  // Three Gemms with their bias and ReLU fused.
  EXPECT_EQ(exe.graph().nodes.size(), 3u);
  // Sums of 784 float products in another order than tiny-nn's sgemm:
  // |error| <= gamma_784 sum |a b| (Higham 3.5), about 5e-5 of the values here.
  expect_outputs_close(exe.run(m.example_inputs), m.tiny_nn_outputs, 1e-4, 1e-4);
  EXPECT_NE(exe.lowered().source.find("i_o j_o k_o i_i_o j_i_o k_i i_i_i j_i_i"), std::string::npos);
}

}  // namespace
