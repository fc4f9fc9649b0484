// os-concurrency_sched: runs a process trace through every policy and prints
// the table of average turnaround, response and waiting times, per-process
// details with --details, and writes a Gantt chart with --svg FILE.
//
//   build/default/bin/os-concurrency_sched TRACE [--impl student|reference]
//       [--quantum Q] [--mlfq Q1,Q2,Q3] [--boost S] [--latency L] [--svg FILE] [--details]
//
// A policy that is still a TODO in student/ is listed as such and skipped.
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <labkit/todo.hpp>

#include "os_concurrency.hpp"

namespace oc = os_concurrency;
namespace sched = os_concurrency::sched;

namespace {


int usage() {
  std::cerr << "usage: os-concurrency_sched TRACE [--impl student|reference] [--quantum Q] [--mlfq Q1,Q2,...]\n"
               "                            [--boost S] [--latency L] [--svg FILE] [--details]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string trace_path, impl = "student", svg;
  sched::Time quantum = 4;
  sched::MlfqConfig mlfq;
  sched::CfsConfig cfs;
  bool details = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--impl") impl = value();
      else if (a == "--quantum") quantum = std::stoll(value());
      else if (a == "--boost") mlfq.boost_period = std::stoll(value());
      else if (a == "--latency") cfs.sched_latency = std::stoll(value());
      else if (a == "--svg") svg = value();
      else if (a == "--details") details = true;
      else if (a == "--mlfq") {
        mlfq.quantum.clear();
        std::stringstream ss(value());
        for (std::string q; std::getline(ss, q, ',');) mlfq.quantum.push_back(std::stoll(q));
      } else if (!a.empty() && a[0] == '-') return usage();
      else trace_path = a;
    } catch (const std::exception& e) {
      std::cerr << "os-concurrency_sched: " << e.what() << "\n";
      return usage();
    }
  }
  if (trace_path.empty()) return usage();
  sched::Trace trace;
  try {
    trace = sched::load_trace(trace_path);
  } catch (const sched::TraceError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }

  struct Entry {
    std::string name;
    std::function<std::unique_ptr<sched::Scheduler>()> make;
  };
  std::vector<Entry> entries;
  const auto add_all = [&](auto fcfs, auto sjf, auto rr, auto ml, auto cf, auto edf) {
    entries.push_back({"FCFS", [=] { return fcfs(); }});
    entries.push_back({"SJF", [=] { return sjf(); }});
    entries.push_back({"RR q=" + std::to_string(quantum), [=] { return rr(quantum); }});
    entries.push_back({"MLFQ", [=] { return ml(mlfq); }});
    entries.push_back({"CFS", [=] { return cf(cfs); }});
    entries.push_back({"EDF", [=] { return edf(); }});
  };
  if (impl == "student") {
    namespace s = oc::student;
    add_all(s::make_fcfs, s::make_sjf, s::make_round_robin, s::make_mlfq, s::make_cfs, s::make_edf);
  } else if (impl == "reference") {
#ifdef OS_CONCURRENCY_HAVE_REFERENCE
    namespace r = oc::reference;
    add_all(r::make_fcfs, r::make_sjf, r::make_round_robin, r::make_mlfq, r::make_cfs, r::make_edf);
#else
    std::cerr << "os-concurrency_sched: this build has no reference\n";
    return 2;
#endif
  } else {
    return usage();
  }

  std::vector<sched::Result> results;
  for (const auto& e : entries) {
    try {
      auto policy = e.make();
      results.push_back(sched::simulate(trace, *policy, e.name));
    } catch (const labkit::NotImplemented& todo) {
      std::cout << e.name << ": not written yet: " << todo.what() << "\n";
    } catch (const std::logic_error& bad) {
      std::cout << e.name << ": " << bad.what() << "\n";
    }
  }
  std::cout << sched::format_table(results);
  if (details)
    for (const auto& r : results) std::cout << "\n" << sched::format_details(r);
  if (!svg.empty()) {
    const std::filesystem::path parent = std::filesystem::path(svg).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);  // e.g. out/, on a fresh checkout
    std::ofstream out(svg);
    sched::write_gantt_svg(out, trace, results);
    if (!out) {
      std::cerr << "os-concurrency_sched: cannot write " << svg << "\n";
      return 1;
    }
    std::cout << "Gantt chart: " << svg << "\n";
  }
  return 0;
}
