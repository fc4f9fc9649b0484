#pragma once
#include <string>
#include <vector>

#include <labkit/machine.hpp>

#include "context.hpp"
#include "process.hpp"

namespace labctl {

struct BenchOptions {
  std::string impl;  // "", reference, student
  bool quick = false;
  bool json = false;
  int repetitions = 0;  // 0: the harness's default
  std::vector<std::string> extra;  // passed to the lab's bench as they are (--bench-arg)
};

// The machine's measured limits (peaks, bandwidth per working-set size),
// cached in out/machine.json for this machine and build; `quick` accepts a
// quick probe's (and makes one when none is cached), `force` measures anew.
labkit::MachineLimits machine_limits(const Context& c, bool quick, bool force);

// What every test and bench process of `labctl test`, `bench` and `run` gets:
// the measurement environment the grader uses too (runner.hpp), and the out/ root.
void set_learner_env(const Context& c, RunOptions& options);

int cmd_list(const Context& c, bool json);
int cmd_info(const Context& c, const std::string& id);
int cmd_test(const Context& c, const std::string& id, const std::string& impl, bool trace = false);
int cmd_bench(const Context& c, const std::string& id, const BenchOptions& o);
int cmd_run(const Context& c, std::vector<std::string> ids, bool quick, const std::vector<std::string>& bench_args = {});
int cmd_machine(const Context& c, bool json, bool quick);
int cmd_reset(const Context& c, const std::string& id);
int cmd_new(const Context& c, const std::string& id, int phase, const std::string& title);

}  // namespace labctl
