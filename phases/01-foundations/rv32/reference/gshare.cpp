// The reference gshare (McFarling, "Combining Branch Predictors", DEC WRL
// TN-36, 1993), to the recipe in include/rv32.hpp: one table of two-bit
// counters indexed by the branch address xor the global history.
#include <stdexcept>
#include <vector>

#include "rv32.hpp"

namespace rv32::reference {
namespace {

class Gshare final : public Predictor {
 public:
  explicit Gshare(std::uint64_t budget_bits) {
    if (budget_bits < 2) throw std::invalid_argument("gshare: a budget of " + std::to_string(budget_bits) + " bits holds no two-bit counter");
    std::uint64_t entries = 1;
    while (entries * 4 <= budget_bits) entries *= 2, ++history_bits_;
    mask_ = static_cast<std::uint32_t>(entries - 1);
    counters_.assign(entries, 1);
  }
  bool predict(std::uint32_t pc, std::uint32_t) override { return counters_[index(pc)] >= 2; }
  void update(std::uint32_t pc, std::uint32_t, bool taken) override {
    std::uint8_t& c = counters_[index(pc)];
    if (taken && c < 3) ++c;
    if (!taken && c > 0) --c;
    history_ = ((history_ << 1) | (taken ? 1u : 0u)) & mask_;
  }
  std::uint64_t storage_bits() const override { return 2 * counters_.size() + history_bits_; }
  std::string name() const override { return "gshare"; }

 private:
  std::uint32_t index(std::uint32_t pc) const { return ((pc >> 2) ^ history_) & mask_; }
  std::vector<std::uint8_t> counters_;
  std::uint32_t history_ = 0, mask_ = 0;
  int history_bits_ = 0;
};

}  // namespace

std::unique_ptr<Predictor> make_gshare(std::uint64_t budget_bits) { return std::make_unique<Gshare>(budget_bits); }

}  // namespace rv32::reference
