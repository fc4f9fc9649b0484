#include "process.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/syscall.h>
#include <poll.h>
#include <signal.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <algorithm>
#include <iostream>
#include <sstream>

extern char** environ;

namespace labctl {

bool is_tty(int fd) { return isatty(fd) != 0; }

std::optional<std::filesystem::path> find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path p = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

std::string RunResult::describe(double timeout_s) const {
  if (timed_out) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "timed out after %g s", timeout_s > 0 ? timeout_s : std::round(seconds));
    return buf;
  }
  if (signal != 0) {
    std::string name = strsignal(signal) ? strsignal(signal) : "unknown signal";
    std::string s = "killed by signal " + std::to_string(signal) + " (" + name + ")";
    if (signal == SIGKILL) s += ": out of memory or killed from outside";
    return s;
  }
  if (exited) return "exit " + std::to_string(exit_code);
  return "did not start";
}

namespace {
// execve does not search PATH; resolve a bare command name here.
std::string resolve(const std::string& cmd) {
  if (cmd.find('/') != std::string::npos) return cmd;
  const auto found = find_on_path(cmd);
  return found ? found->string() : cmd;
}
}  // namespace

namespace {

// labctl -v: every child, its folder, limits and the environment labctl
// gives it (the variables it sets, and whether the rest is inherited).
void log_spawn(const std::vector<std::string>& argv, const RunOptions& o) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  std::string cmd, env;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
  for (const auto& [k, v] : o.env) env += (env.empty() ? "" : " ") + k + "=" + v;
  spdlog::debug("run: {}", cmd);
  std::string dropped;
  for (const auto& prefix : o.drop_inherited) dropped += " " + prefix + "*";
  spdlog::debug("  env: {}{}; cwd: {}; timeout: {}; memory limit: {}",
                o.clean_env ? "only " : dropped.empty() ? "inherited + " : "inherited (less" + dropped + ") + ",
                env.empty() ? "(nothing set)" : env, o.cwd.empty() ? "(inherited)" : o.cwd.string(),
                o.timeout_s > 0 ? std::to_string(o.timeout_s) + " s" : "none",
                o.memory_limit_bytes ? std::to_string(o.memory_limit_bytes >> 20) + " MiB" : "none");
}

}  // namespace

std::vector<std::string> child_environment(const RunOptions& options, const char* const* parent) {
  std::vector<std::string> out;
  auto dropped = [&](const std::string& key) {
    if (options.env.count(key)) return true;  // set below instead
    return std::any_of(options.drop_inherited.begin(), options.drop_inherited.end(),
                       [&](const std::string& prefix) { return key.rfind(prefix, 0) == 0; });
  };
  if (!options.clean_env && parent)
    for (const char* const* e = parent; *e; ++e) {
      const std::string kv = *e;
      if (!dropped(kv.substr(0, kv.find('=')))) out.push_back(kv);
    }
  for (const auto& [k, v] : options.env) out.push_back(k + "=" + v);
  return out;
}

RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult result;
  if (argv.empty()) return result;
  int pipefd[2] = {-1, -1};
  if (options.capture && pipe(pipefd) != 0) {
    result.output = std::string("pipe failed: ") + std::strerror(errno);
    return result;
  }
  // Build the environment before fork: the child only calls async-signal-safe functions.
  std::vector<std::string> env_strings = child_environment(options, environ);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  argv_copy[0] = resolve(argv_copy[0]);
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  log_spawn(argv_copy, options);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    result.output = std::string("fork failed: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own process group, so a timeout kills its children too
    if (options.capture) {
      dup2(pipefd[1], STDOUT_FILENO);
      dup2(pipefd[1], STDERR_FILENO);
      close(pipefd[0]);
      close(pipefd[1]);
    }
    if (options.memory_limit_bytes > 0) {
      rlimit lim{options.memory_limit_bytes, options.memory_limit_bytes};
      setrlimit(RLIMIT_AS, &lim);
    }
    if (options.close_other_fds) {
      // Nothing of the grader's (open reports, logs, pipes) reaches the child.
      if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
        for (int fd = 3; fd < 65536; ++fd) close(fd);
    }
    if (options.new_network_namespace) {
      if (unshare(CLONE_NEWNET) != 0) _exit(126);
      // The new namespace's own loopback, up (it starts down): it reaches
      // only processes in this namespace, nothing of the host's, and MPI's
      // launcher (mpirun, the collectives lab) cannot start without it.
      const int s = socket(AF_INET, SOCK_DGRAM, 0);
      if (s >= 0) {
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
          ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
          (void)ioctl(s, SIOCSIFFLAGS, &ifr);
        }
        close(s);
      }
    }
    if (options.run_as_uid) {
      const gid_t gid = options.run_as_gid.value_or(*options.run_as_uid);
      if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(*options.run_as_uid, *options.run_as_uid, *options.run_as_uid) != 0)
        _exit(126);
    }
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    execve(args[0], args.data(), envp.data());
    const char* msg = "labctl: cannot execute ";
    (void)!write(STDERR_FILENO, msg, std::strlen(msg));
    (void)!write(STDERR_FILENO, args[0], std::strlen(args[0]));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
  }
  if (options.capture) close(pipefd[1]);

  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double last_tick = 0;
  bool open_pipe = options.capture;
  int status = 0;
  bool reaped = false;
  rusage usage{};
  while (!reaped) {
    if (open_pipe) {
      pollfd p{pipefd[0], POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        char buf[4096];
        const ssize_t n = read(pipefd[0], buf, sizeof buf);
        if (n > 0) {
          result.output.append(buf, static_cast<std::size_t>(n));
          if (options.echo) std::cout.write(buf, n).flush();
          if (options.on_output) options.on_output(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || (n < 0 && errno != EINTR)) {
          open_pipe = false;
        }
      }
    } else {
      usleep(20000);
    }
    const pid_t w = wait4(pid, &status, WNOHANG, &usage);
    if (w == pid) reaped = true;
    const double t = elapsed();
    if (!reaped && options.timeout_s > 0 && t > options.timeout_s) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &usage);
      reaped = true;
      result.timed_out = true;
    }
    if (options.tick && t - last_tick >= 1.0) {
      last_tick = t;
      options.tick(t);
    }
  }
  // Drain what is left in the pipe (the child may have exited with output buffered).
  if (options.capture) {
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) {
      result.output.append(buf, static_cast<std::size_t>(n));
      if (options.echo) std::cout.write(buf, n).flush();
      if (options.on_output) options.on_output(buf, static_cast<std::size_t>(n));
    }
    close(pipefd[0]);
  }
  result.seconds = elapsed();
  auto to_seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  result.cpu_seconds = to_seconds(usage.ru_utime) + to_seconds(usage.ru_stime);
  if (!result.timed_out) {
    if (WIFEXITED(status)) {
      result.exited = true;
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
  }
  return result;
}

}  // namespace labctl
