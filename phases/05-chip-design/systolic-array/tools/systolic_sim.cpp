// systolic-sim: SCALE-Sim v2 compatible runs of the systolic-array model.
//
//   systolic-sim -c CFG -t TOPOLOGY -p OUTDIR [-i conv|gemm] [--mode cycle|analytical|both]
//       Simulates every layer; writes COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv
//       and DETAILED_ACCESS_REPORT.csv into OUTDIR/<run_name>/, like SCALE-Sim.
//       --mode both runs the two modes and reports where they differ.
//   systolic-sim sweep -c CFG -t TOPOLOGY [-i conv|gemm] [--shapes 8x8,16x16,...]
//                      [--csv FILE] [--svg FILE] [--mode cycle|analytical]
//       Every array shape x dataflow: cycles, utilization, SRAM and DRAM traffic.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "systolic.hpp"

namespace sa = systolic_array;

namespace {

// Opens FILE for writing, creating its directory first.
std::ofstream open_out(const std::string& path) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot write (check the directory and its permissions)");
  return f;
}

struct Args {
  bool sweep = false, quiet = false, both = false;
  std::string cfg, topo, outdir = ".", csv, svg, shapes = "8x8,16x16,32x32,64x64,128x128,256x256,32x128,128x32";
  sa::TopologyForm form = sa::TopologyForm::conv;
  sa::Mode mode = sa::Mode::cycle;
};

// The command line: a run (the default) or `sweep`, each with its own flags
// (-p and -q belong to a run; --shapes, --csv and --svg to a sweep).
struct Cli {
  CLI::App app{"systolic-sim: SCALE-Sim v2 compatible runs of the systolic-array model.\n"
               "Simulates every layer; writes COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and\n"
               "DETAILED_ACCESS_REPORT.csv into OUTDIR/<run_name>/, like SCALE-Sim.",
               "systolic-sim"};
  CLI::App* sweep = nullptr;
  std::string form = "conv", mode = "cycle";

  explicit Cli(Args& a) {
    sweep = app.add_subcommand("sweep", "every array shape x dataflow: cycles, utilization, SRAM and DRAM traffic");
    for (CLI::App* c : {&app, sweep}) {
      const bool run = c == &app;
      c->add_option("-c", a.cfg, "a SCALE-Sim .cfg file (see phases/05-chip-design/systolic-array/data/)")
          ->type_name("CFG");
      c->add_option("-t", a.topo, "a topology CSV; default: the cfg's TopologyCsvLoc")->type_name("TOPOLOGY");
      c->add_option("-i", form, "the topology's form")->check(CLI::IsMember({"conv", "gemm"}))->capture_default_str();
      c->add_option("--mode", mode, run ? "cycle, analytical, or both (runs the two and reports where they differ)"
                                        : "cycle or analytical")
          ->check(run ? CLI::IsMember({"cycle", "analytical", "both"}) : CLI::IsMember({"cycle", "analytical"}))
          ->capture_default_str();
    }
    app.add_option("-p", a.outdir, "where the reports go (OUTDIR/<run_name>/)")->type_name("OUTDIR")->capture_default_str();
    app.add_flag("-q,--quiet", a.quiet, "no table on stdout (the reports are still written)");
    sweep->add_option("--shapes", a.shapes, "array shapes, ROWSxCOLS, comma-separated")->capture_default_str();
    sweep->add_option("--csv", a.csv, "the table as CSV (default: stdout)")->type_name("FILE");
    sweep->add_option("--svg", a.svg, "a plot of the sweep")->type_name("FILE");
  }

  // Parses argv into `a`; throws CLI::ParseError (--help included).
  void parse(int argc, char** argv, Args& a) {
    app.parse(argc, argv);
    a.sweep = sweep->parsed();
    if (a.cfg.empty()) throw CLI::RequiredError("-c CFG");
    a.form = form == "gemm" ? sa::TopologyForm::gemm : sa::TopologyForm::conv;
    a.mode = mode == "analytical" ? sa::Mode::analytical : sa::Mode::cycle;
    a.both = mode == "both";
  }
};

std::vector<sa::ArrayShape> parse_shapes(const std::string& s) {
  std::vector<sa::ArrayShape> out;
  std::istringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t x = item.find('x');
    int r = 0, c = 0;
    if (x == std::string::npos || std::sscanf(item.c_str(), "%dx%d", &r, &c) != 2 || r < 1 || c < 1)
      throw std::runtime_error("--shapes: '" + item + "' is not ROWSxCOLS (write e.g. --shapes 8x8,32x32,128x128)");
    out.push_back({r, c});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  Cli cli(a);
  try {
    cli.parse(argc, argv, a);
  } catch (const CLI::ParseError& e) {
    return cli.app.exit(e) == 0 ? 0 : 2;  // --help: 0; bad input: CLI11's message, 2
  }
  try {
    sa::Config cfg = sa::read_config(a.cfg);
    if (!cfg.calc_bandwidth) {
      // USER mode (a fixed DRAM bandwidth that can stall the array) is not
      // modelled; run the layer as CALC and say so.
      std::fprintf(stderr,
                   "systolic-sim: warning: %s asks for InterfaceBandwidth USER, which this model does not simulate; "
                   "running as CALC (no DRAM stalls). Set InterfaceBandwidth: CALC to silence this.\n",
                   a.cfg.c_str());
      cfg.calc_bandwidth = true;
    }
    if (a.topo.empty()) a.topo = cfg.topology_path;
    if (a.topo.empty()) {
      std::fprintf(stderr, "systolic-sim: no topology: pass -t TOPOLOGY (the cfg has no TopologyCsvLoc)\n");
      return 2;
    }
    const std::vector<sa::Layer> layers = sa::read_topology(a.topo, a.form);

    if (a.sweep) {
      const auto shapes = parse_shapes(a.shapes);
      const auto t0 = std::chrono::steady_clock::now();
      const auto points = sa::sweep(cfg, layers, shapes, a.mode);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!a.csv.empty()) {
        auto f = open_out(a.csv);
        sa::write_sweep_csv(f, points);
      } else {
        sa::write_sweep_csv(std::cout, points);
      }
      if (!a.svg.empty()) {
        auto f = open_out(a.svg);
        std::string title = a.topo.substr(a.topo.find_last_of('/') + 1);
        sa::write_sweep_svg(f, points, title);
      }
      std::fprintf(stderr, "sweep: %zu shapes x 3 dataflows x %zu layers in %.2f s (%s mode)\n", shapes.size(),
                   layers.size(), s, a.mode == sa::Mode::cycle ? "cycle" : "analytical");
      return 0;
    }

    std::vector<sa::LayerResult> results, other;
    std::int64_t macs = 0, cycles = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& l : layers) {
      results.push_back(sa::simulate_layer(cfg, l, a.mode));
      macs += results.back().compute.macs;
      cycles += results.back().compute.total_cycles;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string dir = a.outdir + "/" + cfg.run_name;
    sa::write_reports(dir, results);

    if (!a.quiet) {
      std::printf("systolic-sim: %s, %dx%d array, dataflow %s, %s mode\n", a.topo.c_str(), cfg.array.rows,
                  cfg.array.cols, sa::dataflow_name(cfg.dataflow), a.mode == sa::Mode::cycle ? "cycle" : "analytical");
      std::printf("%-24s %12s %8s %9s %9s %9s\n", "layer", "cycles", "stalls", "overall%", "mapping%", "compute%");
      for (const auto& r : results)
        std::printf("%-24s %12lld %8lld %9.2f %9.2f %9.2f\n", r.name.c_str(),
                    static_cast<long long>(r.compute.total_cycles), static_cast<long long>(r.stall_cycles),
                    r.compute.overall_util_pct, r.compute.mapping_eff_pct, r.compute.compute_util_pct);
      std::printf("total: %lld cycles, %lld MACs; simulated in %.3f s = %.3g simulated MACs/s\n",
                  static_cast<long long>(cycles), static_cast<long long>(macs), secs, static_cast<double>(macs) / secs);
      std::printf("reports: %s/{COMPUTE_REPORT,BANDWIDTH_REPORT,DETAILED_ACCESS_REPORT}.csv\n", dir.c_str());
    }
    if (a.both) {
      int differ = 0;
      const auto t1 = std::chrono::steady_clock::now();
      for (const auto& l : layers) other.push_back(sa::simulate_layer(cfg, l, sa::Mode::analytical));
      const double s2 = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      for (size_t i = 0; i < layers.size(); ++i) {
        const auto &c = results[i].compute, &n = other[i].compute;
        const bool same = c.total_cycles == n.total_cycles && c.ifmap_sram_reads == n.ifmap_sram_reads &&
                          c.filter_sram_reads == n.filter_sram_reads && c.ofmap_sram_writes == n.ofmap_sram_writes &&
                          std::abs(c.compute_util_pct - n.compute_util_pct) < 1e-9 &&
                          std::abs(c.mapping_eff_pct - n.mapping_eff_pct) < 1e-9;
        if (!same) {
          ++differ;
          std::printf("layer %zu (%s): cycle %lld (stalls %lld) vs analytical %lld cycles\n", i,
                      layers[i].name.c_str(), static_cast<long long>(c.total_cycles),
                      static_cast<long long>(results[i].stall_cycles), static_cast<long long>(n.total_cycles));
        }
      }
      std::printf("analytical mode: %.4f s; %zu of %zu layers agree with the cycle mode on cycles, "
                  "utilizations and SRAM counts%s\n",
                  s2, layers.size() - differ, layers.size(),
                  differ ? " (the rest differ by write-buffer drain stalls, which only the cycle mode models)" : "");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "systolic-sim: %s\n", e.what());
    return 1;
  }
}
