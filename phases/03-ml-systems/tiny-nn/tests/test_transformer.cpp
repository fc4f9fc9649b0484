// The transformer and the reversal task: the task's data, and a short
// training run (120 steps, about a second) that must learn the task; the
// full run is a command in README.md.
#include <gtest/gtest.h>

#include <cstdio>

#include "gradcheck.hpp"
#include "tiny_nn/transformer.hpp"

using namespace tiny_nn;

TEST(ReverseTask, SequencesAndAnswers) {
  ReverseTask task;
  Rng rng(test::seed());
  std::vector<std::int32_t> in, ans;
  task.sample(rng, 3, in, ans);
  ASSERT_EQ(in.size(), 3u * 16);
  ASSERT_EQ(ans.size(), 3u * 8);
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(in[b * 16 + 8], task.separator());
    for (int i = 0; i < 8; ++i) EXPECT_EQ(ans[b * 8 + i], in[b * 16 + 7 - i]);
    for (int i = 0; i < 7; ++i) EXPECT_EQ(in[b * 16 + 9 + i], ans[b * 8 + i]);
  }
}

TEST(Transformer, ShortTrainingCutsTheLoss) {
  Rng rng(test::seed());
  ReverseTask task;
  TransformerConfig c;
  c.context = task.input_length();
  c.d_model = 32;
  Transformer model(c, rng);
  TransformerTrainConfig t;
  t.steps = 120;
  t.batch = 32;
  t.eval_sequences = 50;
  const TransformerResult r = train_transformer(model, task, t);
  // Chance is ln(10) = 2.30 per digit; over seeds 1-10 the reference ends at
  // 0.010-0.020 (mean of the last 50 steps) with every sequence right.
  std::printf("transformer, 120 steps: final loss %.4f, exact match %.0f%%\n", r.final_loss, 100 * r.exact_match);
  EXPECT_GE(r.exact_match, 0.8) << "greedy generation of 50 fresh sequences";
  EXPECT_LT(r.final_loss, 0.5) << "after 120 steps; the loss curve: first " << r.curve_loss.front() << ", last "
                               << r.curve_loss.back();
}
