// The testbench library of the HDL labs: settings, scoreboard, TODO hints,
// failure replay with waveforms, coverage merging and simulation statistics.
#include "labkit/hdl.hpp"

#include "labkit/check.hpp"
#include "labkit/hdl_binary.hpp"

#include <gtest/gtest-spi.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

#include <unistd.h>

namespace labkit::hdl {

namespace {

struct State {
  std::mutex mu;
  bool configured = false;
  BinaryInfo info;
  std::optional<Settings> settings;
  // Simulation statistics of the whole process.
  std::uint64_t total_cycles = 0;
  double total_seconds = 0;
  int simulations = 0;
  // Coverage points merged over every simulation (coverage builds).
  std::map<std::string, std::uint64_t> coverage;
  bool exit_report_registered = false;
  // Simulations started by the current test (Sim ordinals, waveform names).
  std::string sim_test;
  int sim_count = 0;
  std::vector<std::string> waveforms;  // written during the current run_testbench
  // Mismatches in the current run_testbench, and the first one's cycle.
  int run_mismatches = 0;
  std::optional<std::uint64_t> run_first_mismatch;
  int run_first_mismatch_sim = 0;  // which simulation of the test it happened in
  std::string run_first_message;
};

State& state() {
  static State s;
  return s;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool truthy(const std::string& v) { return !v.empty() && v != "0" && v != "false" && v != "no" && v != "off"; }

fs::path display_path(const fs::path& p) {
  std::error_code ec;
  const auto rel = fs::relative(p, fs::current_path(ec), ec);
  if (!ec && !rel.empty() && rel.native().rfind("..", 0) != 0) return rel;
  return p;
}

void write_exit_report();

void ensure_exit_report() {
  auto& s = state();
  if (!s.exit_report_registered) {
    s.exit_report_registered = true;
    std::atexit(write_exit_report);
  }
}

}  // namespace

// ------------------------------------------------------------------ settings
void configure(const BinaryInfo& info) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (s.configured) return;
  s.configured = true;
  s.info = info;
}

const Settings& settings() {
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (!s.settings) {
    Settings r;
    r.lab = s.info.lab;
    r.impl = s.info.impl;
    fs::path root = env("LABKIT_OUT");
    if (root.empty()) root = s.info.out_root.empty() ? fs::path("out") : fs::path(s.info.out_root);
    r.out_dir = root / r.lab;
    r.trace_all = truthy(env("LABKIT_TRACE"));
    if (const auto n = env("LABKIT_TRACE_CYCLES"); !n.empty()) r.trace_cycles = std::strtoull(n.c_str(), nullptr, 10);
    r.coverage = s.info.coverage;
    r.rtl_sources = s.info.rtl_sources;
    r.seed = labkit::seed();
    s.settings = r;
  }
  return *s.settings;
}

void set_coverage(bool on) {
  settings();
  state().settings->coverage = on;
}

void set_rtl_sources(std::vector<std::string> files) {
  settings();
  state().settings->rtl_sources = std::move(files);
}

std::string current_test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!info) return "sim";
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name)
    if (c == '/' || c == ' ' || c == '\\') c = '_';
  return name;
}

namespace detail {
std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto end = std::min(list.find_first_of("|;", start), list.size());
    if (end > start) out.emplace_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

BinaryRegistration::BinaryRegistration(const char* lab, const char* impl, const char* out_root, const char* rtl_list,
                                       bool coverage) {
  configure({lab, impl, out_root, split_list(rtl_list), coverage});
}
}  // namespace detail

// ------------------------------------------------------------------ TODO hints
namespace {

struct Todo {
  std::string file;
  int line = 0;
  int number = 0;
  std::string text;
};

std::vector<Todo> read_todos(const std::vector<std::string>& files) {
  static const std::regex todo(R"(TODO\((\d+)\)\s*:?\s*(.*))");
  std::vector<Todo> out;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (std::regex_search(line, m, todo)) out.push_back({f, n, std::stoi(m[1].str()), m[2].str()});
    }
  }
  return out;
}

bool names_word(const std::string& text, std::string_view word) {
  if (word.empty()) return false;
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string t = lower(text), w = lower(std::string(word));
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t pos = t.find(w); pos != std::string::npos; pos = t.find(w, pos + 1)) {
    const bool left = pos == 0 || !is_word(t[pos - 1]);
    const bool right = pos + w.size() >= t.size() || !is_word(t[pos + w.size()]);
    if (left && right) return true;
  }
  return false;
}

}  // namespace

std::string todo_hint(std::string_view signal, std::string_view topic) {
  const auto& files = settings().rtl_sources;
  if (files.empty()) return "";
  const auto todos = read_todos(files);  // read each time: the RTL is what the learner just edited
  if (todos.empty()) return "";
  const Todo* pick = nullptr;
  for (const auto& t : todos)
    if (!pick && names_word(t.text, topic)) pick = &t;
  for (const auto& t : todos)
    if (!pick && names_word(t.text, signal)) pick = &t;
  if (!pick)
    pick = &*std::min_element(todos.begin(), todos.end(), [](const Todo& a, const Todo& b) { return a.number < b.number; });
  return pick->file + ":" + std::to_string(pick->line) + ": TODO(" + std::to_string(pick->number) + "): " + pick->text;
}

std::string format_value(std::uint64_t v) {
  char buf[32];
  if (v < 10) std::snprintf(buf, sizeof buf, "%" PRIu64, v);
  else std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

// ------------------------------------------------------------------ scoreboard
Scoreboard::~Scoreboard() {
  if (mismatches_ > max_reports_ && !detail::replay().active) {
    std::printf("[ scoreboard ] %d more mismatch(es) not shown (%d in all)\n", mismatches_ - max_reports_, mismatches_);
  }
}

void Scoreboard::report(std::uint64_t cycle, std::string_view signal, const std::string& text, std::string_view topic,
                        std::source_location where) {
  ++mismatches_;
  if (!first_) first_ = cycle;
  detail::note_mismatch(cycle);
  if (mismatches_ > max_reports_) return;
  std::string msg = text;
  if (const auto hint = todo_hint(signal, topic); !hint.empty()) msg += "\n  see " + hint;
  {
    auto& st = state();
    std::lock_guard lock(st.mu);
    if (st.run_first_message.empty()) st.run_first_message = msg;
  }
  if (mismatches_ == max_reports_) msg += "\n  (further mismatches are counted, not shown)";
  GTEST_MESSAGE_AT_(where.file_name(), static_cast<int>(where.line()), msg.c_str(),
                    ::testing::TestPartResult::kNonFatalFailure);
}

bool Scoreboard::check(std::uint64_t cycle, std::string_view signal, std::uint64_t actual, std::uint64_t expected,
                       std::string_view context, std::string_view topic, std::source_location where) {
  if (actual == expected) return true;
  std::string text = "cycle " + std::to_string(cycle) + ": " + std::string(signal) + " = " + format_value(actual) +
                     ", expected " + format_value(expected);
  if (!context.empty()) text += " (" + std::string(context) + ")";
  report(cycle, signal, text, topic, where);
  return false;
}

void Scoreboard::expect(std::string_view signal, std::uint64_t value, std::string context) {
  auto it = queues_.find(signal);
  if (it == queues_.end()) it = queues_.emplace(std::string(signal), std::deque<std::pair<std::uint64_t, std::string>>{}).first;
  it->second.emplace_back(value, std::move(context));
}

bool Scoreboard::observe(std::uint64_t cycle, std::string_view signal, std::uint64_t actual, std::string_view topic,
                         std::source_location where) {
  auto it = queues_.find(signal);
  if (it == queues_.end() || it->second.empty()) {
    report(cycle, signal,
           "cycle " + std::to_string(cycle) + ": " + std::string(signal) + " = " + format_value(actual) +
               " came out, but the model expected nothing more on " + std::string(signal),
           topic, where);
    return false;
  }
  auto [expected, context] = it->second.front();
  it->second.pop_front();
  return check(cycle, signal, actual, expected, context, topic, where);
}

std::size_t Scoreboard::pending(std::string_view signal) const {
  const auto it = queues_.find(signal);
  return it == queues_.end() ? 0 : it->second.size();
}

void Scoreboard::finish(std::uint64_t cycle, std::source_location where) {
  for (auto& [signal, q] : queues_) {
    if (q.empty()) continue;
    std::string text = "cycle " + std::to_string(cycle) + ": " + std::to_string(q.size()) + " expected value(s) never came out on " +
                       signal + "; the first was " + format_value(q.front().first);
    if (!q.front().second.empty()) text += " (" + q.front().second + ")";
    report(cycle, signal, text, {}, where);
    q.clear();
  }
}

void Scoreboard::fail(std::uint64_t cycle, std::string_view signal, const std::string& what, std::string_view topic,
                      std::source_location where) {
  report(cycle, signal, "cycle " + std::to_string(cycle) + ": " + std::string(signal) + ": " + what, topic, where);
}

// ------------------------------------------------------------------ stimulus
Random::Random(std::string_view salt) {
  const std::string name = salt.empty() ? current_test_name() : std::string(salt);
  // FNV-1a of the name, mixed with the seed: a stream per test, stable across runs.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  std::seed_seq seq{static_cast<std::uint32_t>(settings().seed), static_cast<std::uint32_t>(settings().seed >> 32),
                    static_cast<std::uint32_t>(h), static_cast<std::uint32_t>(h >> 32)};
  engine_.seed(seq);
}

std::uint64_t Random::bits(int n) {
  const std::uint64_t v = engine_();
  return n >= 64 ? v : v & ((1ull << n) - 1);
}

std::int64_t Random::range(std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(engine_);
}

bool Random::chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }

// ------------------------------------------------------------------ replay
namespace detail {

Replay& replay() {
  static thread_local Replay r;
  return r;
}

void note_mismatch(std::uint64_t cycle) {
  auto& s = state();
  std::lock_guard lock(s.mu);
  ++s.run_mismatches;
  if (!s.run_first_mismatch) {
    s.run_first_mismatch = cycle;
    s.run_first_mismatch_sim = s.sim_count;  // simulations run one after another: the latest one
  }
}

int start_simulation() {
  auto& s = state();
  const std::string test = current_test_name();
  std::lock_guard lock(s.mu);
  if (test != s.sim_test) {
    s.sim_test = test;
    s.sim_count = 0;
  }
  return ++s.sim_count;
}

fs::path trace_path_for(const std::string& name, int ordinal) {
  return settings().out_dir / (name + (ordinal > 1 ? "-" + std::to_string(ordinal) : "") + ".vcd");
}

void note_waveform(const fs::path& path, std::uint64_t from_cycle, std::uint64_t to_cycle) {
  const std::string lab = settings().lab;  // before the lock: settings() takes it too
  auto& s = state();
  std::lock_guard lock(s.mu);
  const std::string shown = display_path(path).string();
  s.waveforms.push_back(shown);
  // The test's name for `labctl wave LAB TEST`: the file's name up to ".vcd".
  const std::string test = path.stem().string();
  std::printf("[ waveform ] %s (cycles %" PRIu64 "-%" PRIu64 "): labctl wave %s %s prints it as a table; gtkwave %s draws it\n",
              shown.c_str(), from_cycle, to_cycle, lab.c_str(), test.c_str(), shown.c_str());
  std::fflush(stdout);
}

void note_simulation(const std::string& name, std::uint64_t cycles, double seconds) {
  auto& s = state();
  {
    std::lock_guard lock(s.mu);
    s.total_cycles += cycles;
    s.total_seconds += seconds;
    ++s.simulations;
  }
  ensure_exit_report();
  if (replay().active) return;
  const double rate = seconds > 0 ? cycles / seconds : 0;
  std::printf("[ sim ] %s: %" PRIu64 " cycles in %.3f s, %.2f M cycles/s\n", name.c_str(), cycles, seconds, rate / 1e6);
  std::fflush(stdout);
}

void merge_coverage(VerilatedContext& ctx) {
  if (replay().active) return;  // a replay runs the same stimulus again: counted once
  const fs::path tmp = fs::temp_directory_path() /
                       ("labkit-hdl-cov-" + std::to_string(static_cast<long long>(::getpid())) + ".dat");
  ctx.coveragep()->write(tmp.string().c_str());
  std::ifstream in(tmp);
  auto points = parse_coverage(in);
  in.close();
  fs::remove(tmp);
  auto& s = state();
  {
    std::lock_guard lock(s.mu);
    for (const auto& [key, count] : points) s.coverage[key] += count;
  }
  ensure_exit_report();
}

}  // namespace detail

void run_testbench(const std::function<void()>& body) {
  auto& s = state();
  {
    std::lock_guard lock(s.mu);
    s.run_mismatches = 0;
    s.run_first_mismatch.reset();
    s.run_first_mismatch_sim = 0;
    s.run_first_message.clear();
    s.waveforms.clear();
    s.sim_test.clear();
    s.sim_count = 0;
  }
  const bool failing_before = ::testing::Test::HasFailure();
  try {
    body();
  } catch (const detail::StopReplay&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the testbench threw: " << e.what();
  }
  bool failed = ::testing::Test::HasFailure() && !failing_before;
  std::optional<std::uint64_t> first;
  int first_sim = 0;
  int mismatches = 0;
  std::string first_message;
  {
    std::lock_guard lock(s.mu);
    failed = failed || s.run_mismatches > 0;
    first = s.run_first_mismatch;
    first_sim = s.run_first_mismatch_sim;
    mismatches = s.run_mismatches;
    first_message = s.run_first_message;
  }
  // Repeats the first mismatch last, so that the end of the test's messages
  // (what graders and summaries show) names the first failing signal and cycle.
  auto summarize = [&](const std::string& waveform) {
    if (mismatches < 2 || first_message.empty()) return;
    std::string msg = first_message + "\n  (the first of " + std::to_string(mismatches) + " mismatches";
    msg += waveform.empty() ? ")" : "; waveform: " + waveform + ")";
    GTEST_MESSAGE_AT_(__FILE__, __LINE__, msg.c_str(), ::testing::TestPartResult::kNonFatalFailure);
  };
  if (failed && settings().trace_all) {
    // Every simulation was traced: name the one that failed first.
    std::string w;
    if (first_sim > 0) w = display_path(detail::trace_path_for(current_test_name(), first_sim)).string();
    summarize(w);
    return;
  }
  if (!failed) return;

  // Replay with a waveform: from up to 2000 cycles before the first mismatch
  // to 16 cycles after it (the whole run when the failure was no mismatch).
  auto& rp = detail::replay();
  rp.active = true;
  rp.target_sim = first_sim;  // 0 when the failure was no mismatch: trace every simulation
  rp.trace_from = first && *first > 2000 ? *first - 2000 : 0;
  rp.stop_after = first ? *first + 16 : ~0ull;
  {
    std::lock_guard lock(s.mu);
    s.sim_count = 0;
    s.sim_test.clear();
  }
  ::testing::TestPartResultArray swallowed;
  {
    ::testing::ScopedFakeTestPartResultReporter quiet(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &swallowed);
    try {
      body();
    } catch (const detail::StopReplay&) {
    } catch (const std::exception&) {
    }
  }
  rp = detail::Replay{};
  std::vector<std::string> written;
  {
    std::lock_guard lock(s.mu);
    written = s.waveforms;
  }
  for (const auto& w : written) ::testing::Test::RecordProperty("waveform", w);
  summarize(written.empty() ? std::string() : written.front());
}

// ------------------------------------------------------------------ coverage
std::map<std::string, std::uint64_t> parse_coverage(std::istream& in) {
  std::map<std::string, std::uint64_t> points;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("C '", 0) != 0) continue;
    const auto close = line.rfind('\'');
    if (close == std::string::npos || close < 3) continue;
    const std::string key = line.substr(3, close - 3);
    points[key] += std::strtoull(line.c_str() + close + 1, nullptr, 10);
  }
  return points;
}

CoverageSummary summarize_coverage(const std::map<std::string, std::uint64_t>& points) {
  CoverageSummary c;
  for (const auto& [key, count] : points) {
    // Keys are \001name\002value pairs; "page" is v_line/..., v_branch/..., v_toggle/...
    const auto p = key.find("\001page\002");
    if (p == std::string::npos) continue;
    const std::string page = key.substr(p + 6, key.find('\001', p + 6) - (p + 6));
    if (page.rfind("v_toggle", 0) == 0) {
      ++c.toggle_total;
      c.toggle_hit += count > 0;
    } else if (page.rfind("v_line", 0) == 0 || page.rfind("v_branch", 0) == 0) {
      ++c.line_total;
      c.line_hit += count > 0;
    }
  }
  return c;
}

CoverageSummary coverage_so_far() {
  auto& s = state();
  std::lock_guard lock(s.mu);
  return summarize_coverage(s.coverage);
}

namespace {

void write_exit_report() {
  auto& s = state();
  const auto& st = settings();
  std::error_code ec;
  fs::create_directories(st.out_dir, ec);
  const double rate = s.total_seconds > 0 ? s.total_cycles / s.total_seconds : 0;
  std::printf("[ sim ] %s (%s): %d simulation(s), %" PRIu64 " cycles in %.3f s, %.2f M cycles/s\n", st.lab.c_str(),
              st.impl.c_str(), s.simulations, s.total_cycles, s.total_seconds, rate / 1e6);
  std::string json = "{\n  \"schema\": \"labkit.hdl/1\",\n  \"lab\": \"" + st.lab + "\",\n  \"impl\": \"" + st.impl +
                     "\",\n  \"simulations\": " + std::to_string(s.simulations) +
                     ",\n  \"cycles\": " + std::to_string(s.total_cycles) + ",\n  \"seconds\": " +
                     std::to_string(s.total_seconds) + ",\n  \"cycles_per_second\": " + std::to_string(rate);
  if (st.coverage && !s.coverage.empty()) {
    const auto c = summarize_coverage(s.coverage);
    const fs::path dat = st.out_dir / ("coverage-" + st.impl + ".dat");
    std::ofstream out(dat);
    out << "# SystemC::Coverage-3\n";
    for (const auto& [key, count] : s.coverage) out << "C '" << key << "' " << count << "\n";
    char line[256];
    std::snprintf(line, sizeof line, "coverage: line %.1f%% (%" PRIu64 "/%" PRIu64 " points) toggle %.1f%% (%" PRIu64 "/%" PRIu64 " bits)",
                  c.line_percent(), c.line_hit, c.line_total, c.toggle_percent(), c.toggle_hit, c.toggle_total);
    const auto shown = display_path(dat);
    // --annotate-all: without it verilator_coverage writes only files with a
    // point below --annotate-min, so a fully covered design gave an empty folder.
    std::printf("[ sim ] %s\n[ sim ] coverage data: %s (your RTL with a count on every line: verilator_coverage "
                "--annotate-all --annotate-min 1 --annotate %s %s; lines marked %%000000 never ran)\n",
                line, shown.c_str(), (shown.parent_path() / ("annotated-" + st.impl)).c_str(), shown.c_str());
    json += ",\n  \"coverage\": {\"line_percent\": " + std::to_string(c.line_percent()) +
            ", \"line_hit\": " + std::to_string(c.line_hit) + ", \"line_total\": " + std::to_string(c.line_total) +
            ", \"toggle_percent\": " + std::to_string(c.toggle_percent()) + ", \"toggle_hit\": " +
            std::to_string(c.toggle_hit) + ", \"toggle_total\": " + std::to_string(c.toggle_total) + "}";
  }
  json += "\n}\n";
  // Only full runs describe the lab: a filtered run would overwrite it with less.
  if (::testing::GTEST_FLAG(filter) == "*" || ::testing::GTEST_FLAG(filter).empty()) {
    std::ofstream(st.out_dir / ("sim-" + st.impl + ".json")) << json;
  }
  std::fflush(stdout);
}

}  // namespace

}  // namespace labkit::hdl
