#include "labkit/report.hpp"

#include <iomanip>
#include <optional>
#include <utility>
#include <sstream>

namespace labkit {

using nlohmann::json;

std::string xml_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') out += '?';
        else out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {
constexpr std::pair<BenchStatus, const char*> kBenchStatusNames[] = {
    {BenchStatus::ok, "ok"}, {BenchStatus::todo, "todo"}, {BenchStatus::wrong, "wrong"},
    {BenchStatus::error, "error"}, {BenchStatus::skipped, "skipped"}};
constexpr std::pair<TargetStatus, const char*> kTargetStatusNames[] = {
    {TargetStatus::met, "met"}, {TargetStatus::missed, "missed"}, {TargetStatus::todo, "todo"},
    {TargetStatus::unavailable, "unavailable"}, {TargetStatus::busy, "busy"}};

template <class Enum, std::size_t N>
const char* name_in(const std::pair<Enum, const char*> (&names)[N], Enum s) {
  for (const auto& [value, name] : names)
    if (value == s) return name;
  return "?";
}
template <class Enum, std::size_t N>
std::optional<Enum> value_in(const std::pair<Enum, const char*> (&names)[N], std::string_view wanted) {
  for (const auto& [value, name] : names)
    if (wanted == name) return value;
  return std::nullopt;
}

// A status read back from JSON: an unknown or missing name is an error that
// says what it was, never a silent "ok".
BenchStatus bench_status_from(const json& j, std::string& note) {
  const std::string name = j.value("status", "");
  if (auto s = bench_status_named(name)) return *s;
  note = "unknown status '" + name + "' in the JSON" + (note.empty() ? "" : "; " + note);
  return BenchStatus::error;
}
}  // namespace

const char* status_name(BenchStatus s) { return name_in(kBenchStatusNames, s); }
const char* status_name(TargetStatus s) { return name_in(kTargetStatusNames, s); }
std::optional<BenchStatus> bench_status_named(std::string_view name) { return value_in(kBenchStatusNames, name); }
std::optional<TargetStatus> target_status_named(std::string_view name) {
  return value_in(kTargetStatusNames, name);
}

static json summary_json(const Summary& s) {
  return {{"n", s.n}, {"min", s.min}, {"max", s.max}, {"mean", s.mean}, {"median", s.median},
          {"mad", s.mad}, {"cv", s.cv}};
}
static Summary summary_from(const json& j) {
  Summary s;
  s.n = j.value("n", std::size_t{0});
  s.min = j.value("min", 0.0);
  s.max = j.value("max", 0.0);
  s.mean = j.value("mean", 0.0);
  s.median = j.value("median", 0.0);
  s.mad = j.value("mad", 0.0);
  s.cv = j.value("cv", 0.0);
  return s;
}
static json interval_json(const Interval& i) {
  return {{"estimate", i.estimate}, {"lo", i.lo}, {"hi", i.hi}};
}
static Interval interval_from(const json& j) {
  return {j.value("estimate", 0.0), j.value("lo", 0.0), j.value("hi", 0.0)};
}

json to_json(const BenchResult& b) {
  return {{"name", b.name}, {"case", b.kase}, {"impl", b.impl}, {"role", b.role},
          {"size", b.size}, {"flops", b.flops}, {"bytes", b.bytes}, {"status", status_name(b.status)},
          {"note", b.note}, {"samples_ns", b.samples_ns}, {"summary_ns", summary_json(b.summary)},
          {"gflops", b.gflops()}, {"gbs", b.gbs()}, {"intensity", b.intensity()}};
}

BenchResult bench_from_json(const json& j) {
  BenchResult b;
  b.name = j.value("name", "");
  b.kase = j.value("case", "");
  b.impl = j.value("impl", "");
  b.role = j.value("role", "");
  b.size = j.value("size", std::int64_t{0});
  b.flops = j.value("flops", 0.0);
  b.bytes = j.value("bytes", 0.0);
  b.note = j.value("note", "");
  b.status = bench_status_from(j, b.note);
  b.samples_ns = j.value("samples_ns", std::vector<double>{});
  if (j.contains("summary_ns")) b.summary = summary_from(j["summary_ns"]);
  return b;
}

json to_json(const RatioResult& r) {
  return {{"case", r.kase}, {"size", r.size}, {"impl", r.impl}, {"baseline", r.baseline},
          {"speedup", interval_json(r.speedup)}};
}

RatioResult ratio_from_json(const json& j) {
  return {j.value("case", ""), j.value("size", std::int64_t{0}), j.value("impl", ""),
          j.value("baseline", ""), interval_from(j.value("speedup", json::object()))};
}

json to_json(const CountResult& c) {
  return {{"case", c.kase}, {"size", c.size}, {"impl", c.impl}, {"role", c.role}, {"metric", c.metric},
          {"value", c.value}, {"status", status_name(c.status)}, {"note", c.note}};
}

CountResult count_from_json(const json& j) {
  CountResult c{j.value("case", ""), j.value("impl", ""), j.value("role", ""), j.value("metric", ""),
                j.value("size", std::int64_t{0}), j.value("value", 0.0), BenchStatus::error, j.value("note", "")};
  c.status = bench_status_from(j, c.note);
  return c;
}

json to_json(const LabResults& r) {
  json tests = json::array(), benches = json::array(), ratios = json::array(), targets = json::array(),
       counts = json::array();
  for (const auto& c : r.counts) counts.push_back(to_json(c));
  for (const auto& t : r.tests)
    tests.push_back({{"suite", t.suite}, {"name", t.name}, {"passed", t.passed},
                     {"skipped", t.skipped}, {"seconds", t.seconds}, {"message", t.message}});
  for (const auto& b : r.benchmarks) benches.push_back(to_json(b));
  for (const auto& x : r.ratios) ratios.push_back(to_json(x));
  for (const auto& t : r.targets)
    targets.push_back({{"name", t.name}, {"impl", t.impl}, {"metric", t.metric},
                       {"value", t.value}, {"threshold", t.threshold},
                       {"interval", interval_json(t.interval)}, {"status", status_name(t.status)},
                       {"detail", t.detail}});
  return {{"schema", kResultsSchema}, {"lab", r.lab}, {"title", r.title}, {"machine", r.machine},
          {"tests", tests}, {"benchmarks", benches}, {"ratios", ratios}, {"counts", counts}, {"targets", targets}};
}

LabResults results_from_json(const json& j) {
  if (j.value("schema", "") != kResultsSchema)
    throw std::runtime_error("not a " + std::string(kResultsSchema) + " document (schema '" +
                             j.value("schema", "") + "')");
  LabResults r;
  r.lab = j.value("lab", "");
  r.title = j.value("title", "");
  r.machine = j.value("machine", json::object());
  for (const auto& t : j.value("tests", json::array()))
    r.tests.push_back({t.value("suite", ""), t.value("name", ""), t.value("passed", false),
                       t.value("skipped", false), t.value("seconds", 0.0), t.value("message", "")});
  for (const auto& b : j.value("benchmarks", json::array())) r.benchmarks.push_back(bench_from_json(b));
  for (const auto& x : j.value("ratios", json::array())) r.ratios.push_back(ratio_from_json(x));
  for (const auto& x : j.value("counts", json::array())) r.counts.push_back(count_from_json(x));
  for (const auto& t : j.value("targets", json::array())) {
    TargetResult tr{t.value("name", ""), t.value("impl", ""), t.value("metric", ""),
                    t.value("value", 0.0), t.value("threshold", 0.0),
                    interval_from(t.value("interval", json::object())), TargetStatus::unavailable,
                    t.value("detail", "")};
    const std::string name = t.value("status", "");
    if (auto s = target_status_named(name)) tr.status = *s;
    else tr.detail = "unknown status '" + name + "' in the JSON" + (tr.detail.empty() ? "" : "; " + tr.detail);
    r.targets.push_back(std::move(tr));
  }
  return r;
}

static std::string md_cell(std::string s) {
  for (auto& c : s)
    if (c == '|' || c == '\n') c = ' ';
  return s;
}

static std::string fixed(double v, int digits) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}

void write_markdown(std::ostream& out, const std::vector<LabResults>& labs) {
  out << "# Lab report\n\n";
  if (!labs.empty() && labs.front().machine.is_object()) {
    const auto& m = labs.front().machine;
    out << "Machine: " << m.value("cpu_model", "?") << ", " << m.value("logical_cpus", 0)
        << " logical CPUs, ISA " << m.value("best_isa", "?") << ", " << m.value("compiler", "?")
        << " (" << m.value("build_type", "") << "), revision " << m.value("git_revision", "?")
        << ", fingerprint " << m.value("fingerprint", "?") << ".\n\n";
    // What could not be measured on this machine, and what it costs the report.
    const auto unknown = m.value("unknown", nlohmann::json::array());
    for (const auto& f : unknown)
      out << "- **" << md_cell(f.value("fact", "?")) << " unknown** (" << md_cell(f.value("reason", "")) << "): "
          << md_cell(f.value("cost", "")) << "\n";
    if (!unknown.empty()) out << "\n";
  }
  for (const auto& lab : labs) {
    int passed = 0, failed = 0, skipped = 0;
    for (const auto& t : lab.tests) (t.skipped ? skipped : t.passed ? passed : failed)++;
    out << "## " << lab.lab << ": " << md_cell(lab.title) << "\n\n";
    out << "Tests: " << passed << " passed, " << failed << " failed";
    if (skipped) out << ", " << skipped << " skipped";
    out << ".\n\n";
    int listed = 0;
    for (const auto& t : lab.tests) {
      if (t.passed || t.skipped) continue;
      if (++listed > 5) {
        out << "- ... and " << failed - 5 << " more failures\n";
        break;
      }
      out << "- failed `" << md_cell(t.suite + "." + t.name) << "`: " << md_cell(t.message.substr(0, 300)) << "\n";
    }
    if (failed) out << "\n";
    if (!lab.targets.empty()) {
      out << "| target | impl | value | threshold | result |\n|---|---|---:|---:|---|\n";
      for (const auto& t : lab.targets) {
        out << "| " << md_cell(t.name) << " | " << t.impl << " | "
            << (t.status == TargetStatus::todo || t.status == TargetStatus::unavailable ? "-" : fixed(t.value, 2));
        if (t.interval.hi > 0) out << " [" << fixed(t.interval.lo, 2) << ", " << fixed(t.interval.hi, 2) << "]";
        out << " | " << fixed(t.threshold, 2) << " | " << status_name(t.status)
            << (t.detail.empty() ? "" : " (" + md_cell(t.detail) + ")") << " |\n";
      }
      out << "\n";
    }
    if (!lab.benchmarks.empty()) {
      out << "| case | size | impl | median | GFLOP/s | GB/s | speedup | stability |\n"
             "|---|---:|---|---:|---:|---:|---:|---|\n";
      for (const auto& b : lab.benchmarks) {
        std::string speed = "";
        for (const auto& r : lab.ratios)
          if (r.kase == b.kase && r.size == b.size && r.impl == b.impl)
            speed = fixed(r.speedup.estimate, 2) + "x [" + fixed(r.speedup.lo, 2) + ", " +
                    fixed(r.speedup.hi, 2) + "]";
        if (b.status != BenchStatus::ok) {
          out << "| " << b.kase << " | " << b.size << " | " << b.impl << " | " << status_name(b.status)
              << " | | | | " << md_cell(b.note.substr(0, 120)) << " |\n";
          continue;
        }
        out << "| " << b.kase << " | " << b.size << " | " << b.impl << " | "
            << fixed(b.summary.median / 1e3, 2) << " us | " << fixed(b.gflops(), 2) << " | "
            << fixed(b.gbs(), 2) << " | " << speed << " | "
            << (b.summary.relative_mad() > 0.05 ? "unstable " : "") << "±"
            << fixed(100 * b.summary.relative_mad(), 1) << "% |\n";
      }
      out << "\n";
    }
  }
}

void write_junit(std::ostream& out, const std::vector<LabResults>& labs) {
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const auto& lab : labs) {
    int failures = 0, skipped = 0;
    double seconds = 0;
    for (const auto& t : lab.tests) {
      if (t.skipped) ++skipped;
      else if (!t.passed) ++failures;
      seconds += t.seconds;
    }
    for (const auto& t : lab.targets) {
      if (t.status == TargetStatus::missed || t.status == TargetStatus::todo) ++failures;
      else if (t.status == TargetStatus::unavailable || t.status == TargetStatus::busy) ++skipped;
    }
    out << "  <testsuite name=\"" << xml_escape(lab.lab) << "\" tests=\""
        << lab.tests.size() + lab.targets.size() << "\" failures=\"" << failures
        << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\"" << seconds << "\">\n";
    for (const auto& t : lab.tests) {
      out << "    <testcase classname=\"" << xml_escape(lab.lab + "." + t.suite) << "\" name=\""
          << xml_escape(t.name) << "\" time=\"" << t.seconds << "\">";
      if (t.skipped) out << "<skipped message=\"" << xml_escape(t.message) << "\"/>";
      else if (!t.passed) out << "<failure message=\"" << xml_escape(t.message.substr(0, 500)) << "\">"
                              << xml_escape(t.message) << "</failure>";
      out << "</testcase>\n";
    }
    for (const auto& t : lab.targets) {
      out << "    <testcase classname=\"" << xml_escape(lab.lab + ".targets") << "\" name=\""
          << xml_escape(t.name + " [" + t.impl + "]") << "\" time=\"0\">";
      const std::string msg = t.metric + " = " + fixed(t.value, 3) + ", threshold " +
                              fixed(t.threshold, 3) + (t.detail.empty() ? "" : ": " + t.detail);
      // "busy": a threaded target measured while another program held a core is not a verdict.
      if (t.status == TargetStatus::unavailable || t.status == TargetStatus::busy) out << "<skipped message=\"" << xml_escape(msg) << "\"/>";
      else if (t.status != TargetStatus::met) out << "<failure message=\"" << xml_escape(msg) << "\"/>";
      out << "</testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace labkit
