// Child processes: every test and benchmark labctl starts runs through here,
// so a crash, a hang or a runaway allocation in one lab is contained and
// reported, and the rest of the run goes on.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace labctl {

struct RunOptions {
  std::filesystem::path cwd;             // empty: inherit
  double timeout_s = 0;                  // 0: none
  std::uint64_t memory_limit_bytes = 0;  // RLIMIT_AS; 0: none
  bool capture = true;                   // collect stdout+stderr; else inherit the terminal
  bool echo = false;                     // with capture: also copy output to our stdout
  bool clean_env = false;                // start from an empty environment
  std::map<std::string, std::string> env;  // added (or set) for the child
  // Inherited variables whose name starts with one of these are not passed
  // on (a learner's OMP_NUM_THREADS must not change what `labctl bench`
  // measures); `env` still sets its own. Nothing to drop with clean_env.
  std::vector<std::string> drop_inherited;
  // Untrusted children (grading): with run_as_uid set, the child drops to that
  // uid and gid (no supplementary groups) before exec, which needs root; it
  // exits 126 rather than run with the grader's identity when that fails.
  std::optional<unsigned> run_as_uid, run_as_gid;
  bool close_other_fds = false;          // close every descriptor above 2 in the child
  bool new_network_namespace = false;    // unshare(CLONE_NEWNET) first (root only): no network
  // Called about once a second while the child runs (for progress output).
  std::function<void(double elapsed_s)> tick;
  // Called with each chunk of captured output as it arrives.
  std::function<void(const char* data, std::size_t n)> on_output;
};

struct RunResult {
  int exit_code = -1;       // valid when exited
  int signal = 0;           // the signal that killed it, 0 if none
  bool timed_out = false;
  bool exited = false;
  double seconds = 0;
  // CPU time (user + system) of the child and the descendants it waited
  // for, from wait4's rusage; -1 when unknown (a killed child's is read too).
  double cpu_seconds = -1;
  std::string output;       // stdout and stderr, interleaved, when captured
  bool ok() const { return exited && exit_code == 0 && !timed_out; }
  // "exit 1", "killed by SIGSEGV (segmentation fault)", "timed out after 30 s", ...
  std::string describe(double timeout_s = 0) const;
};

RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// The child's environment ("NAME=value" entries) given the parent's: what
// run_process passes to execve, as a function that tests can call.
std::vector<std::string> child_environment(const RunOptions& options, const char* const* parent);

bool is_tty(int fd);

// The first executable called `name` in $PATH (/usr/bin:/bin when unset).
std::optional<std::filesystem::path> find_on_path(const std::string& name);

}  // namespace labctl
