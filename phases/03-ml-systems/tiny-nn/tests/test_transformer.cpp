// The transformer and the reversal task: the task's data, and a short
// training run that must cut the loss (the full run to exact-match accuracy
// is a command in README.md: it takes about a minute).
#include <gtest/gtest.h>

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
  t.steps = 60;
  t.batch = 32;
  t.eval_sequences = 50;
  const TransformerResult r = train_transformer(model, task, t);
  // Chance is ln(10) = 2.30 per digit.
  EXPECT_LT(r.final_loss, 1.6) << "after 60 steps; the loss curve: first " << r.curve_loss.front() << ", last "
                               << r.curve_loss.back();
}
