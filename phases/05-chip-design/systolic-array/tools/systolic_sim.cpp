// systolic-sim: SCALE-Sim v2 compatible runs of the systolic-array model.
//
//   systolic-sim -c CFG -t TOPOLOGY -p OUTDIR [-i conv|gemm] [--mode cycle|analytical|both]
//       Simulates every layer; writes COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv
//       and DETAILED_ACCESS_REPORT.csv into OUTDIR/<run_name>/, like SCALE-Sim.
//       --mode both runs the two modes and reports where they differ.
//   systolic-sim sweep -c CFG -t TOPOLOGY [-i conv|gemm] [--shapes 8x8,16x16,...]
//                      [--csv FILE] [--svg FILE] [--mode cycle|analytical]
//       Every array shape x dataflow: cycles, utilization, SRAM and DRAM traffic.
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

int usage(const char* msg = nullptr) {
  if (msg) std::fprintf(stderr, "systolic-sim: %s\n\n", msg);
  std::fprintf(stderr,
               "usage: systolic-sim -c CFG [-t TOPOLOGY] [-p OUTDIR] [-i conv|gemm] [--mode cycle|analytical|both] [-q]\n"
               "       systolic-sim sweep -c CFG [-t TOPOLOGY] [-i conv|gemm] [--shapes 8x8,16x16,32x32]\n"
               "                          [--csv FILE] [--svg FILE] [--mode cycle|analytical]\n"
               "  -c CFG       a SCALE-Sim .cfg file (see phases/05-chip-design/systolic-array/data/)\n"
               "  -t TOPOLOGY  a topology CSV; default: the cfg's TopologyCsvLoc\n"
               "  -p OUTDIR    where the reports go (OUTDIR/<run_name>/); default: .\n"
               "  -i conv|gemm the topology's form (default conv)\n");
  return 2;
}

struct Args {
  bool sweep = false, quiet = false, both = false;
  std::string cfg, topo, outdir = ".", csv, svg, shapes = "8x8,16x16,32x32,64x64,128x128,256x256,32x128,128x32";
  sa::TopologyForm form = sa::TopologyForm::conv;
  sa::Mode mode = sa::Mode::cycle;
};

bool parse(int argc, char** argv, Args& a, std::string& err) {
  int i = 1;
  if (i < argc && std::string(argv[i]) == "sweep") {
    a.sweep = true;
    ++i;
  }
  for (; i < argc; ++i) {
    const std::string f = argv[i];
    auto val = [&](std::string& out) {
      if (i + 1 >= argc) {
        err = f + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (f == "-c") {
      if (!val(a.cfg)) return false;
    } else if (f == "-t") {
      if (!val(a.topo)) return false;
    } else if (f == "-p") {
      if (!val(a.outdir)) return false;
    } else if (f == "--csv") {
      if (!val(a.csv)) return false;
    } else if (f == "--svg") {
      if (!val(a.svg)) return false;
    } else if (f == "--shapes") {
      if (!val(a.shapes)) return false;
    } else if (f == "-i") {
      if (!val(v)) return false;
      if (v == "conv") a.form = sa::TopologyForm::conv;
      else if (v == "gemm") a.form = sa::TopologyForm::gemm;
      else { err = "-i takes conv or gemm, not '" + v + "'"; return false; }
    } else if (f == "--mode") {
      if (!val(v)) return false;
      if (v == "cycle") a.mode = sa::Mode::cycle;
      else if (v == "analytical") a.mode = sa::Mode::analytical;
      else if (v == "both" && !a.sweep) a.both = true;
      else { err = "--mode takes cycle, analytical" + std::string(a.sweep ? "" : " or both") + ", not '" + v + "'"; return false; }
    } else if (f == "-q" || f == "--quiet") {
      a.quiet = true;
    } else if (f == "-h" || f == "--help") {
      err = "";
      return false;
    } else {
      err = "unknown argument '" + f + "'";
      return false;
    }
  }
  if (a.cfg.empty()) {
    err = "-c CFG is required";
    return false;
  }
  return true;
}

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
  std::string err;
  if (!parse(argc, argv, a, err)) return usage(err.empty() ? nullptr : err.c_str());
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
    if (a.topo.empty()) return usage("no topology: pass -t TOPOLOGY (the cfg has no TopologyCsvLoc)");
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
