#include "portfolio.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <labkit/machine.hpp>
#include <labkit/report.hpp>
#include <sstream>

#include "measure.hpp"
#include "results.hpp"
#include "waveform.hpp"

namespace labctl {

using nlohmann::json;
using Kind = PortfolioBlock::Kind;

namespace {

// A file's modification time as "2026-12-02 15:58 UTC".
std::string file_time_utc(const fs::path& file) {
  std::error_code ec;
  const auto t = fs::last_write_time(file, ec);
  if (ec) return "";
  const auto sys = std::chrono::time_point_cast<std::chrono::seconds>(
      t - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
  const std::time_t tt = std::chrono::system_clock::to_time_t(sys);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// Median times read best in the unit that keeps 3 significant digits.
std::string human_ns(double ns) {
  if (ns >= 1e9) return fmt::format("{:.3g} s", ns / 1e9);
  if (ns >= 1e6) return fmt::format("{:.3g} ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.3g} us", ns / 1e3);
  return fmt::format("{:.3g} ns", ns);
}

std::string metric_value(const std::string& metric, double value) {
  return format_metric(parse_metric(metric).value_or(Metric::gflops), value);
}

std::string threshold_text(const std::string& metric, double threshold) {
  const auto m = parse_metric(metric).value_or(Metric::gflops);
  const std::string unit = m == Metric::gflops ? " GFLOP/s" : m == Metric::gbs ? " GB/s" : "";
  return ">= " + format_metric(m, threshold) + unit;
}

// "AMD EPYC (AuthenticAMD, CPU family 26, 2 logical CPUs)": the CPU every number was measured on.
std::string machine_line(const json& m) {
  std::string s = m.value("cpu_model", "unknown CPU");
  std::vector<std::string> facts;
  if (const auto vendor = m.value("vendor", ""); !vendor.empty()) facts.push_back(vendor);
  if (const int family = m.value("cpu_family", -1); family >= 0) facts.push_back(fmt::format("CPU family {}", family));
  if (const int cpus = m.value("logical_cpus", 0); cpus > 0) facts.push_back(fmt::format("{} logical CPUs", cpus));
  if (!facts.empty()) {
    s += " (";
    for (std::size_t i = 0; i < facts.size(); ++i) s += (i ? ", " : "") + facts[i];
    s += ")";
  }
  return s;
}

std::string bytes_text(double bytes) {
  if (bytes >= double(1 << 20)) return fmt::format("{:g} MiB", bytes / double(1 << 20));
  return fmt::format("{:g} KiB", bytes / 1024);
}

PortfolioBlock paragraph(std::string text) { return {Kind::paragraph, std::move(text), {}, {}, {}, {}}; }
PortfolioBlock table(PortfolioTable t) { return {Kind::table, {}, std::move(t), {}, {}, {}}; }
PortfolioBlock figure(std::string caption, std::string file, std::string svg) {
  return {Kind::figure, std::move(caption), {}, std::move(file), std::move(svg), {}};
}
PortfolioBlock list(std::vector<std::string> items) { return {Kind::list, {}, {}, {}, {}, std::move(items)}; }

PortfolioSection summary_section(const PortfolioInput& in, const labkit::LabResults& r) {
  PortfolioSection s{"Summary", {}};
  const json& m = in.results.value("machine", json::object());
  s.blocks.push_back(paragraph(fmt::format("Measured by `labctl run {}`{}{}, on {}.", r.lab,
                                           in.measured_at.empty() ? "" : " on " + in.measured_at,
                                           m.value("git_revision", "").empty() ? "" : " at revision " + m.value("git_revision", ""),
                                           machine_line(m))));
  PortfolioTable tests{{"implementation", "tests passed", "failed", "skipped"}, {}};
  for (const std::string impl : {"reference", "student"}) {
    int passed = 0, failed = 0, skipped = 0;
    for (const auto& t : r.tests)
      if (t.suite.rfind(impl + ".", 0) == 0) (t.skipped ? skipped : t.passed ? passed : failed)++;
    tests.rows.push_back({impl, fmt::format("{}/{}", passed, passed + failed), std::to_string(failed), std::to_string(skipped)});
  }
  s.blocks.push_back(table(std::move(tests)));
  if (!r.targets.empty()) {
    PortfolioTable targets{{"target", "threshold", "reference", "student"}, {}};
    for (const auto& t : r.targets) {
      auto cell = [&](const labkit::TargetResult& x) {
        if (x.status == labkit::TargetStatus::todo) return std::string("TODO");
        if (x.status == labkit::TargetStatus::unavailable) return std::string("n/a");
        return metric_value(x.metric, x.value) + " " + labkit::status_name(x.status);
      };
      // One row per target name: reference and student side by side.
      auto row = std::find_if(targets.rows.begin(), targets.rows.end(), [&](auto& x) { return x[0] == t.name; });
      if (row == targets.rows.end()) {
        targets.rows.push_back({t.name, threshold_text(t.metric, t.threshold), "", ""});
        row = targets.rows.end() - 1;
      }
      (*row)[t.impl == "reference" ? 2 : 3] = cell(t);
    }
    s.blocks.push_back(table(std::move(targets)));
  }
  return s;
}

PortfolioSection roofline_section(const PortfolioInput& in) {
  PortfolioSection s{"Roofline", {}};
  if (in.roofline_svg.empty()) {
    s.blocks.push_back(paragraph("No roofline: out/machine.json (the machine's measured limits) is missing; "
                                 "`labctl run` measures them and draws it."));
    return s;
  }
  s.blocks.push_back(paragraph("Each dot is one measured kernel (hover over it for its name and numbers). The flat "
                               "line is the measured fp32 FMA peak of one core, the slanted lines the measured "
                               "bandwidth of each memory level: a dot below a slanted line is memory-bound there."));
  s.blocks.push_back(figure("Roofline of the measured kernels", "roofline.svg", in.roofline_svg));
  return s;
}

PortfolioSection measurements_section(const labkit::LabResults& r) {
  PortfolioSection s{"Measurements", {}};
  if (!r.ratios.empty()) {
    PortfolioTable speedups{{"case", "size", "implementation", "over", "speedup", "95% interval"}, {}};
    for (const auto& x : r.ratios)
      speedups.rows.push_back({x.kase, std::to_string(x.size), x.impl, x.baseline, fmt::format("{:.2f}x", x.speedup.estimate),
                               fmt::format("{:.2f}x to {:.2f}x", x.speedup.lo, x.speedup.hi)});
    s.blocks.push_back(paragraph("Speedups: the baseline's time over the implementation's, measured in one process "
                                 "with interleaved repetitions."));
    s.blocks.push_back(table(std::move(speedups)));
  }
  if (!r.benchmarks.empty()) {
    PortfolioTable rows{{"case", "size", "implementation", "role", "median time", "GFLOP/s", "GB/s", "flop/byte", "CV"}, {}};
    for (const auto& b : r.benchmarks) {
      if (b.status != labkit::BenchStatus::ok) {
        rows.rows.push_back({b.kase, std::to_string(b.size), b.impl, b.role, labkit::status_name(b.status), "", "", "", ""});
        continue;
      }
      rows.rows.push_back({b.kase, std::to_string(b.size), b.impl, b.role, human_ns(b.summary.median),
                           b.flops > 0 ? fmt::format("{:.2f}", b.gflops()) : "", b.bytes > 0 ? fmt::format("{:.2f}", b.gbs()) : "",
                           b.intensity() > 0 ? fmt::format("{:.3g}", b.intensity()) : "", fmt::format("{:.1f}%", 100 * b.summary.cv)});
    }
    s.blocks.push_back(paragraph("Every benchmark row: the median of its repetitions, and its coefficient of variation (CV)."));
    s.blocks.push_back(table(std::move(rows)));
  }
  if (!r.counts.empty()) {
    PortfolioTable counts{{"case", "size", "implementation", "metric", "value"}, {}};
    for (const auto& k : r.counts)
      counts.rows.push_back({k.kase, std::to_string(k.size), k.impl, k.metric,
                             k.status == labkit::BenchStatus::ok ? fmt::format("{:g}", k.value) : labkit::status_name(k.status)});
    s.blocks.push_back(paragraph("Deterministic counts (no timing involved):"));
    s.blocks.push_back(table(std::move(counts)));
  }
  if (s.blocks.empty()) s.blocks.push_back(paragraph("This lab has no benchmark: its results are its tests."));
  return s;
}

PortfolioSection hdl_section(const PortfolioInput& in) {
  PortfolioSection s{"Simulation", {}};
  const json& hdl = in.results["hdl"];
  PortfolioTable t{{"testbench", "simulated cycles", "M cycles/s", "line coverage", "toggle coverage"}, {}};
  for (const std::string impl : {"reference", "student"}) {
    const json sim = hdl.value(impl, json());
    if (!sim.is_object()) continue;
    const json cov = sim.value("coverage", json::object());
    auto percent = [&](const char* what) {
      const std::string p = std::string(what) + "_percent";
      return cov.contains(p) ? fmt::format("{:.1f}% ({}/{})", cov.value(p, 0.0), cov.value(std::string(what) + "_hit", 0),
                                           cov.value(std::string(what) + "_total", 0))
                             : std::string("not measured");
    };
    t.rows.push_back({impl, std::to_string(sim.value("cycles", 0)), fmt::format("{:.2f}", sim.value("cycles_per_second", 0.0) / 1e6),
                      percent("line"), percent("toggle")});
  }
  s.blocks.push_back(table(std::move(t)));
  return s;
}

PortfolioSection machine_section(const PortfolioInput& in) {
  PortfolioSection s{"Machine", {}};
  const json& m = in.results.value("machine", json::object());
  PortfolioTable t{{"fact", "value"}, {}};
  t.rows.push_back({"CPU", machine_line(m)});
  t.rows.push_back({"ISA", m.value("isa_flags", "") + " (kernels use " + m.value("best_isa", "?") + ")"});
  std::string caches;
  for (const auto& c : m.value("caches", json::array())) {
    if (c.value("type", "") == "Instruction") continue;
    caches += fmt::format("{}L{} {}", caches.empty() ? "" : ", ", c.value("level", 0), bytes_text(c.value("bytes", 0.0)));
  }
  if (!caches.empty()) t.rows.push_back({"data caches", caches});
  t.rows.push_back({"compiler", m.value("compiler", "") + " [" + m.value("build_type", "") + "]" + m.value("cxx_flags", "")});
  t.rows.push_back({"OS", m.value("os", "")});
  t.rows.push_back({"fingerprint", m.value("fingerprint", "")});
  if (in.limits) {
    const json& l = *in.limits;
    const json peak = l.value("peak_gflops_fp32", json::object());
    t.rows.push_back({"fp32 peak (measured)", fmt::format("{:.1f} GFLOP/s one core, {:.1f} GFLOP/s on {} threads",
                                                          peak.value("one_core", 0.0), peak.value("all_cores", 0.0),
                                                          peak.value("threads_all_cores", 0))});
    const json bw = l.value("bandwidth_gbs", json::array());
    if (!bw.empty())
      t.rows.push_back({"DRAM bandwidth (measured)", fmt::format("{:.1f} GB/s one thread, {:.1f} GB/s all threads",
                                                                 bw.back().value("gbs", 0.0), l.value("dram_gbs_all_cores", 0.0))});
    if (l.value("quick", false)) t.rows.push_back({"note", "machine limits from a quick probe (labctl machine measures them fully)"});
  }
  for (const auto& u : m.value("unknown", json::array()))
    t.rows.push_back({"unknown: " + u.value("fact", ""), u.value("reason", "") + "; " + u.value("cost", "")});
  s.blocks.push_back(table(std::move(t)));
  return s;
}

PortfolioSection progress_section(const LabProgress& p) {
  PortfolioSection s{"Progress", {}};
  std::string line = fmt::format("State: {}; {} records in the progress log, the last a `labctl {}` on {}.", p.state,
                                 p.records, p.last_command, display_time(p.last_time));
  if (p.graded) line += fmt::format(" Latest grade: {:g} / {:g} (visible tasks).", p.score, p.max_score);
  s.blocks.push_back(paragraph(line));
  if (!p.best.empty()) {
    PortfolioTable t{{"target", "best (student)", "reached", "by"}, {}};
    for (const auto& b : p.best) t.rows.push_back({b.target, metric_value(b.metric, b.value), display_time(b.time), "labctl " + b.command});
    s.blocks.push_back(table(std::move(t)));
  }
  return s;
}

// Markdown: table cells cannot hold a raw '|' or a line break.
std::string md_cell(const std::string& text) {
  std::string s;
  for (char ch : text) {
    if (ch == '|') s += "\\|";
    else if (ch == '\n') s += ' ';
    else s += ch;
  }
  return s;
}

// labkit's XML escape: HTML5 reads the same entities.
std::string html_escape(const std::string& text) { return labkit::xml_escape(text); }

// Paragraphs may quote a command in `backticks`: <code> in HTML.
std::string html_text(const std::string& text) {
  std::string s;
  bool code = false;
  for (char ch : text) {
    if (ch == '`') {
      s += code ? "</code>" : "<code>";
      code = !code;
    } else {
      s += html_escape(std::string(1, ch));
    }
  }
  if (code) s += "</code>";
  return s;
}

// From "<svg" on: an XML declaration or doctype before it is not allowed inside HTML.
std::string inline_svg(const std::string& svg) {
  const auto start = svg.find("<svg");
  return start == std::string::npos ? std::string() : svg.substr(start);
}

}  // namespace

PortfolioPage build_portfolio(const PortfolioInput& in) {
  const labkit::LabResults r = labkit::results_from_json(in.results);
  PortfolioPage page;
  page.title = fmt::format("{}: {}", r.lab, r.title);
  page.sections.push_back(summary_section(in, r));
  page.sections.push_back(roofline_section(in));
  page.sections.push_back(measurements_section(r));
  if (in.results.contains("hdl") && in.results["hdl"].is_object()) page.sections.push_back(hdl_section(in));
  if (!in.plots.empty()) {
    PortfolioSection plots{"Plots", {}};
    for (const auto& p : in.plots) plots.blocks.push_back(figure(p.file, p.file, p.svg));
    page.sections.push_back(std::move(plots));
  }
  if (!in.waveforms.empty()) {
    PortfolioSection waves{"Waveforms", {}};
    waves.blocks.push_back(paragraph("Value-change dumps of the testbenches (`labctl test " + r.lab +
                                     " --trace` writes them), next to this page; open one with `gtkwave FILE` to see "
                                     "every signal and time step."));
    for (const auto& w : in.waveform_svgs) waves.blocks.push_back(figure(w.file, w.file, w.svg));
    waves.blocks.push_back(list(in.waveforms));
    page.sections.push_back(std::move(waves));
  }
  page.sections.push_back(machine_section(in));
  if (in.progress && in.progress->records > 0) page.sections.push_back(progress_section(*in.progress));
  return page;
}

void write_portfolio_markdown(std::ostream& out, const PortfolioPage& page) {
  out << "# " << page.title << "\n";
  for (const auto& section : page.sections) {
    out << "\n## " << section.heading << "\n";
    for (const auto& b : section.blocks) {
      out << "\n";
      switch (b.kind) {
        case Kind::paragraph: out << b.text << "\n"; break;
        case Kind::figure: out << "![" << b.text << "](" << b.file << ")\n"; break;
        case Kind::list:
          for (const auto& item : b.items) out << "- [" << item << "](" << item << ")\n";
          break;
        case Kind::table: {
          out << "|";
          for (const auto& h : b.table.header) out << " " << md_cell(h) << " |";
          out << "\n|";
          for (std::size_t i = 0; i < b.table.header.size(); ++i) out << "---|";
          out << "\n";
          for (const auto& row : b.table.rows) {
            out << "|";
            for (const auto& cell : row) out << " " << md_cell(cell) << " |";
            out << "\n";
          }
          break;
        }
      }
    }
  }
  out << "\n---\nWritten by `labctl portfolio` from the lab's measured results.\n";
}

void write_portfolio_html(std::ostream& out, const PortfolioPage& page) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
      << html_escape(page.title) << "</title>\n"
      << "<style>\n"
         "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
         "table{border-collapse:collapse;margin:.8em 0;font-size:.9em}\n"
         "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}\n"
         "th{background:#f3f3f3}\ntbody tr:nth-child(even){background:#fafafa}\n"
         "figure{margin:1em 0;overflow-x:auto}\nfigure svg{max-width:100%;height:auto}\n"
         "code{background:#f3f3f3;padding:0 .2em}\nfooter{color:#777;font-size:.85em;margin-top:2em}\n"
         "</style>\n</head>\n<body>\n<main>\n<h1>"
      << html_escape(page.title) << "</h1>\n";
  for (const auto& section : page.sections) {
    out << "<section>\n<h2>" << html_escape(section.heading) << "</h2>\n";
    for (const auto& b : section.blocks) {
      switch (b.kind) {
        case Kind::paragraph: out << "<p>" << html_text(b.text) << "</p>\n"; break;
        case Kind::figure:
          out << "<figure>\n" << inline_svg(b.svg) << "<figcaption>" << html_escape(b.text) << "</figcaption>\n</figure>\n";
          break;
        case Kind::list:
          out << "<ul>\n";
          for (const auto& item : b.items) out << "<li><code>" << html_escape(item) << "</code></li>\n";
          out << "</ul>\n";
          break;
        case Kind::table:
          out << "<table>\n<thead><tr>";
          for (const auto& h : b.table.header) out << "<th>" << html_escape(h) << "</th>";
          out << "</tr></thead>\n<tbody>\n";
          for (const auto& row : b.table.rows) {
            out << "<tr>";
            for (const auto& cell : row) out << "<td>" << html_escape(cell) << "</td>";
            out << "</tr>\n";
          }
          out << "</tbody>\n</table>\n";
          break;
      }
    }
    out << "</section>\n";
  }
  out << "</main>\n<footer>Written by <code>labctl portfolio</code> from the lab's measured results.</footer>\n"
         "</body>\n</html>\n";
}

constexpr std::size_t kWaveformsDrawn = 4;

PortfolioInput load_portfolio_input(const Context& c, const Lab& lab) {
  PortfolioInput in;
  const fs::path dir = c.lab_out(lab);
  const fs::path results_file = dir / "results.json";
  if (!fs::exists(results_file))
    throw UsageError(fmt::format("no results for {}: {} is missing; run `labctl run {}` first (it tests, measures and "
                                 "draws the roofline the portfolio shows)",
                                 lab.id, results_file.string(), lab.id));
  try {
    std::ifstream f(results_file);
    in.results = json::parse(f);
  } catch (const json::exception& e) {
    throw UsageError(fmt::format("{} is not valid JSON ({}); run `labctl run {}` again to rewrite it", results_file.string(),
                                 e.what(), lab.id));
  }
  if (in.results.value("schema", "") != labkit::kResultsSchema)
    throw UsageError(fmt::format("{} is not a {} document; run `labctl run {}` again to rewrite it", results_file.string(),
                                 labkit::kResultsSchema, lab.id));
  in.measured_at = file_time_utc(results_file);

  // The machine's measured limits, only when they are of the machine the results came from.
  const std::string fingerprint = in.results.value("machine", json::object()).value("fingerprint", "");
  if (std::ifstream f(c.out_dir / "machine.json"); f) {
    try {
      json limits = json::parse(f);
      if (limits.value("machine", json::object()).value("fingerprint", "") == fingerprint) in.limits = std::move(limits);
    } catch (const json::exception&) {
      // an unreadable cache: the page goes without the measured peaks
    }
  }

  // The roofline `labctl run` drew; else drawn here from the results and the limits.
  if (fs::exists(dir / "roofline.svg")) {
    in.roofline_svg = read_text(dir / "roofline.svg");
  } else if (in.limits) {
    const auto limits = labkit::limits_from_json(*in.limits);
    auto roof = machine_roofline(limits, lab.id + " on " + limits.info.cpu_model);
    add_points(roof, labkit::results_from_json(in.results), false);
    std::ostringstream svg;
    roof.write_svg(svg);
    in.roofline_svg = svg.str();
    std::ofstream(dir / "roofline.svg") << in.roofline_svg;  // the Markdown page links to it
  }

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    if (ends_with(name, ".svg") && name != "roofline.svg" && !ends_with(name, ".wave.svg"))
      in.plots.push_back({name, read_text(f)});
    if (f.extension() != ".vcd") continue;
    in.waveforms.push_back(name);
    // The first few testbenches drawn (a page of dozens would bury the rest).
    if (in.waveform_svgs.size() >= kWaveformsDrawn) continue;
    try {
      std::ifstream vcd(f);
      const Waveform w = parse_vcd(vcd, f.string());
      std::ostringstream svg;
      write_waveform_svg(svg, w, f.stem().string());
      const std::string file = f.stem().string() + ".wave.svg";
      std::ofstream(dir / file) << svg.str();  // the Markdown page links to it
      in.waveform_svgs.push_back({file, svg.str()});
    } catch (const std::exception& e) {
      fmt::print(stderr, "labctl: warning: {} is not drawn: {}\n", name, e.what());
    }
  }

  const auto records = read_progress_log(progress_log_path(c));
  in.progress = summarize_progress(lab.id, records);
  return in;
}

int cmd_portfolio(const Context& c, const std::string& id) {
  const Lab lab = c.find_lab(id);
  const PortfolioPage page = build_portfolio(load_portfolio_input(c, lab));
  const fs::path md = c.lab_out(lab) / "portfolio.md", html = c.lab_out(lab) / "portfolio.html";
  std::ofstream md_out(md), html_out(html);
  write_portfolio_markdown(md_out, page);
  write_portfolio_html(html_out, page);
  md_out.close();
  html_out.close();
  if (!md_out || !html_out) throw std::runtime_error("cannot write " + md.string() + " or " + html.string());
  const auto rel = [](const fs::path& p) { return fs::relative(p, fs::current_path()).string(); };
  fmt::print("labctl: wrote {} (with the SVGs beside it) and {} (one self-contained page)\n", rel(md), rel(html));
  return 0;
}

}  // namespace labctl
