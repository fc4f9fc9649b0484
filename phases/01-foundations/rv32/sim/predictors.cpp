// The branch predictors given with the lab, each held to one storage budget
// of counters or weights (README, "Branch prediction"), and the trace-driven
// loop that scores them.
#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "sim.hpp"

namespace rv32 {
namespace {

// The largest power of two n with n * bits_each <= budget (at least 1).
std::uint32_t entries_for(std::uint64_t budget_bits, std::uint64_t bits_each, const char* who) {
  if (budget_bits < bits_each)
    throw std::invalid_argument(std::string(who) + ": a budget of " + std::to_string(budget_bits) + " bits holds no entry of " +
                                std::to_string(bits_each) + " bits");
  std::uint32_t n = 1;
  while (std::uint64_t(n) * 2 * bits_each <= budget_bits && n < (1u << 30)) n *= 2;
  return n;
}
int log2_of(std::uint32_t n) {
  int b = 0;
  while ((1u << b) < n) ++b;
  return b;
}

// Two-bit saturating counters, starting weakly not taken.
struct Counters {
  std::vector<std::uint8_t> c;
  explicit Counters(std::uint32_t n) : c(n, 1) {}
  bool taken(std::uint32_t i) const { return c[i] >= 2; }
  void train(std::uint32_t i, bool taken) {
    if (taken && c[i] < 3) ++c[i];
    if (!taken && c[i] > 0) --c[i];
  }
  std::uint64_t bits() const { return 2 * c.size(); }
};

class NotTaken final : public Predictor {
 public:
  bool predict(std::uint32_t, std::uint32_t) override { return false; }
  void update(std::uint32_t, std::uint32_t, bool) override {}
  std::uint64_t storage_bits() const override { return 0; }
  std::string name() const override { return "not-taken"; }
};

// Backward taken, forward not taken: loops close with a backward branch.
class Btfn final : public Predictor {
 public:
  bool predict(std::uint32_t pc, std::uint32_t target) override { return target <= pc; }
  void update(std::uint32_t, std::uint32_t, bool) override {}
  std::uint64_t storage_bits() const override { return 0; }
  std::string name() const override { return "btfn"; }
};

// Smith (1981): one two-bit counter per (hashed) branch address.
class Bimodal final : public Predictor {
 public:
  explicit Bimodal(std::uint64_t budget) : t_(entries_for(budget, 2, "bimodal")), mask_(std::uint32_t(t_.c.size() - 1)) {}
  bool predict(std::uint32_t pc, std::uint32_t) override { return t_.taken((pc >> 2) & mask_); }
  void update(std::uint32_t pc, std::uint32_t, bool taken) override { t_.train((pc >> 2) & mask_, taken); }
  std::uint64_t storage_bits() const override { return t_.bits(); }
  std::string name() const override { return "bimodal"; }

 private:
  Counters t_;
  std::uint32_t mask_;
};

// McFarling (1993): a bimodal table (a quarter of the budget), a gshare
// table (half) and a chooser of two-bit counters indexed by pc (a quarter)
// that learns, per branch, which of the two to believe. Both components
// train on every branch; the chooser only where they disagreed.
class Tournament final : public Predictor {
 public:
  explicit Tournament(std::uint64_t budget)
      : local_(entries_for(budget / 4, 2, "tournament")), global_(entries_for(budget / 2, 2, "tournament")),
        chooser_(entries_for(budget / 4, 2, "tournament")), history_bits_(log2_of(std::uint32_t(global_.c.size()))) {}
  bool predict(std::uint32_t pc, std::uint32_t) override {
    return chooser_.taken(ci(pc)) ? global_.taken(gi(pc)) : local_.taken(li(pc));
  }
  void update(std::uint32_t pc, std::uint32_t, bool taken) override {
    const bool l = local_.taken(li(pc)), g = global_.taken(gi(pc));
    if (l != g) chooser_.train(ci(pc), g == taken);  // counts up towards gshare
    local_.train(li(pc), taken);
    global_.train(gi(pc), taken);
    history_ = ((history_ << 1) | (taken ? 1u : 0u)) & std::uint32_t(global_.c.size() - 1);
  }
  std::uint64_t storage_bits() const override { return local_.bits() + global_.bits() + chooser_.bits() + history_bits_; }
  std::string name() const override { return "tournament"; }

 private:
  std::uint32_t li(std::uint32_t pc) const { return (pc >> 2) & std::uint32_t(local_.c.size() - 1); }
  std::uint32_t ci(std::uint32_t pc) const { return (pc >> 2) & std::uint32_t(chooser_.c.size() - 1); }
  std::uint32_t gi(std::uint32_t pc) const { return ((pc >> 2) ^ history_) & std::uint32_t(global_.c.size() - 1); }
  Counters local_, global_, chooser_;
  std::uint32_t history_ = 0;
  int history_bits_;
};

// Jimenez and Lin, "Dynamic Branch Prediction with Perceptrons" (HPCA
// 2001): per (hashed) branch a vector of 8-bit weights, one bias and one per
// bit of global history, as many rows as fit (indexed by pc modulo rows); predict taken when bias + sum(w_i * (+1 or -1)) >= 0;
// train when wrong or when |y| <= theta = floor(1.93 h + 14).
class Perceptron final : public Predictor {
 public:
  static constexpr int kHistory = 24;
  explicit Perceptron(std::uint64_t budget)
      : rows_(std::uint32_t(std::max<std::uint64_t>(1, budget / (8 * (kHistory + 1))))), w_(std::size_t(rows_) * (kHistory + 1), 0) {
    if (budget < 8 * (kHistory + 1))
      throw std::invalid_argument("perceptron: a budget of " + std::to_string(budget) + " bits holds no perceptron of " +
                                  std::to_string(8 * (kHistory + 1)) + " bits");
  }
  bool predict(std::uint32_t pc, std::uint32_t) override { return output(pc) >= 0; }
  void update(std::uint32_t pc, std::uint32_t, bool taken) override {
    const int y = output(pc);
    constexpr int theta = int(1.93 * kHistory + 14);
    if ((y >= 0) != taken || std::abs(y) <= theta) {
      std::int8_t* w = row(pc);
      auto train = [](std::int8_t& wi, bool up) { wi = std::int8_t(std::clamp(wi + (up ? 1 : -1), -128, 127)); };
      train(w[0], taken);
      for (int i = 0; i < kHistory; ++i) train(w[i + 1], taken == bool((history_ >> i) & 1));
    }
    history_ = (history_ << 1) | (taken ? 1u : 0u);
  }
  std::uint64_t storage_bits() const override { return 8 * w_.size() + kHistory; }
  std::string name() const override { return "perceptron"; }

 private:
  std::int8_t* row(std::uint32_t pc) { return &w_[std::size_t((pc >> 2) % rows_) * (kHistory + 1)]; }
  int output(std::uint32_t pc) {
    const std::int8_t* w = row(pc);
    int y = w[0];
    for (int i = 0; i < kHistory; ++i) y += (history_ >> i) & 1 ? w[i + 1] : -w[i + 1];
    return y;
  }
  std::uint32_t rows_;
  std::vector<std::int8_t> w_;
  std::uint32_t history_ = 0;
};

}  // namespace

std::unique_ptr<Predictor> make_not_taken() { return std::make_unique<NotTaken>(); }
std::unique_ptr<Predictor> make_btfn() { return std::make_unique<Btfn>(); }
std::unique_ptr<Predictor> make_bimodal(std::uint64_t budget_bits) { return std::make_unique<Bimodal>(budget_bits); }
std::unique_ptr<Predictor> make_tournament(std::uint64_t budget_bits) { return std::make_unique<Tournament>(budget_bits); }
std::unique_ptr<Predictor> make_perceptron(std::uint64_t budget_bits) { return std::make_unique<Perceptron>(budget_bits); }

BranchTrace trace_program(const Isa& isa, const std::string& elf_path, std::uint64_t max_instructions) {
  BranchTrace t;
  Machine m(isa);
  m.load_elf_file(elf_path);
  m.set_branch_observer([&](const BranchRecord& b) { t.branches.push_back(b); });
  m.run(max_instructions);
  t.instructions = m.instructions();
  return t;
}

std::uint64_t count_mispredictions(Predictor& p, const BranchTrace& t) {
  std::uint64_t wrong = 0;
  for (const BranchRecord& b : t.branches) {
    wrong += p.predict(b.pc, b.target) != b.taken;
    p.update(b.pc, b.target, b.taken);
  }
  return wrong;
}

}  // namespace rv32
