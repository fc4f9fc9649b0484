// bare-metal: the given host-side code (host.hpp says what each part is).
#include "host.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <labkit/paths.hpp>

namespace bare_metal {

// ---- Booting the firmware ---------------------------------------------------------------


std::string firmware_path(const std::string& impl) {
  const std::string dir = labkit::executable_dir();
  if (dir.empty()) return "";
  const std::string path = dir + "/bare-metal-fw/" + impl + ".elf";
  return ::access(path.c_str(), R_OK) == 0 ? path : "";
}

static bool have_qemu() { return std::system("qemu-system-arm --version > /dev/null 2>&1") == 0; }

std::string firmware_missing_reason(const std::string& impl) {
#if defined(BARE_METAL_HAVE_CROSS_COMPILER)
  if (firmware_path(impl).empty())
    return "the " + impl + " firmware was not built: this checkout has no " + impl +
           "/ sources for it (a handout withholds the reference's); your own firmware is bin/bare-metal-fw/student.elf";
#else
  if (firmware_path(impl).empty())
    return "the firmware was not built: arm-none-eabi-gcc was not found when the build was configured. "
           "Install it with `tools/labctl deps` (or apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi), "
           "then configure and build again";
#endif
  static const bool qemu = have_qemu();
  if (!qemu)
    return "qemu-system-arm is not installed: `tools/labctl deps` (or apt-get install qemu-system-arm), "
           "then run this again";
  return "";
}

std::string Boot::tail(std::size_t chars) const {
  if (output.empty()) return "last UART output: (nothing)";
  return "last UART output: ..." + (output.size() > chars ? output.substr(output.size() - chars) : output);
}

// RAM filled with 0xA5 before reset: what a real board's RAM may hold.
static std::string garbage_file() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string p = std::string(tmp && *tmp ? tmp : "/tmp") + "/bare-metal-ram-" + std::to_string(::getpid()) + ".bin";
    if (FILE* f = std::fopen(p.c_str(), "wb")) {
      const std::vector<unsigned char> bytes(64 * 1024, 0xA5);
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
    static struct Remove {
      std::string path;
      ~Remove() { std::remove(path.c_str()); }
    } remove{p};
    return p;
  }();
  return path;
}

Boot boot_firmware(const std::string& elf, const std::string& scenario, double limit_s) {
  Boot b;
  const std::string icount = "shift=" + std::to_string(kIcountShift) + ",align=off,sleep=off";
  const std::string semihosting = "enable=on,target=native,arg=firmware,arg=" + scenario;
  const std::string loader = "loader,file=" + garbage_file() + ",addr=0x20000000";
  std::vector<std::string> args = {"qemu-system-arm", "-M", "mps2-an385", "-nographic", "-monitor", "none",
                                   "-icount", icount, "-semihosting-config", semihosting,
                                   "-device", loader, "-kernel", elf};
  int out[2];
  if (::pipe(out) != 0) {
    b.error = "pipe() failed";
    return b;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    b.error = "fork() failed";
    return b;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "cannot run qemu-system-arm\n");
    ::_exit(127);
  }
  ::close(out[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      b.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int r = ::poll(&p, 1, int(std::min<long long>(left.count(), 100)));
    if (r > 0) {
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;  // QEMU closed its output: it has exited
      b.output.append(buf, std::size_t(n));
    }
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!b.timed_out) {
    b.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (b.exit_code == 127) b.error = "could not start qemu-system-arm: " + b.output;
  }
  return b;
}

// ---- Schedulability ---------------------------------------------------------------------

double rm_utilization_bound(int n) { return n * (std::pow(2.0, 1.0 / n) - 1.0); }

double utilization(const std::vector<Task>& tasks) {
  double u = 0;
  for (const auto& t : tasks) u += t.c / t.t;
  return u;
}

std::vector<double> response_times(const std::vector<Task>& tasks) {
  std::vector<double> r(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    double prev = -1, cur = tasks[i].c;
    while (cur != prev && cur <= tasks[i].d) {
      prev = cur;
      cur = tasks[i].c;
      for (std::size_t j = 0; j < i; ++j) cur += std::ceil(prev / tasks[j].t) * tasks[j].c;
    }
    r[i] = cur;
  }
  return r;
}

bool fixed_priority_schedulable(const std::vector<Task>& tasks) {
  const auto r = response_times(tasks);
  for (std::size_t i = 0; i < tasks.size(); ++i)
    if (r[i] > tasks[i].d) return false;
  return true;
}

bool edf_schedulable(const std::vector<Task>& tasks) {
  const double u = utilization(tasks);
  if (u > 1.0 + 1e-12) return false;
  const bool implicit = std::all_of(tasks.begin(), tasks.end(), [](const Task& t) { return t.d == t.t; });
  if (implicit) return true;
  long long hyper = 1;
  for (const auto& t : tasks) hyper = std::lcm(hyper, (long long)std::llround(t.t));
  for (const auto& t : tasks)
    for (double deadline = t.d; deadline <= double(hyper); deadline += t.t) {
      double demand = 0;  // dbf(L) = sum_j max(0, floor((L - D_j) / T_j) + 1) C_j
      for (const auto& u2 : tasks)
        if (deadline >= u2.d) demand += (std::floor((deadline - u2.d) / u2.t) + 1) * u2.c;
      if (demand > deadline + 1e-9) return false;
    }
  return true;
}

// ---- Filters ------------------------------------------------------------------------------

void fir_double(const double* h, int taps, const double* x, double* y, int n) {
  for (int i = 0; i < n; ++i) {
    double acc = 0;
    for (int k = 0; k < taps && k <= i; ++k) acc += h[k] * x[i - k];
    y[i] = acc;
  }
}

void fir_float(const float* h, int taps, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) {
    float acc = 0;
    for (int k = 0; k < taps && k <= i; ++k) acc += h[k] * x[i - k];
    y[i] = acc;
  }
}

void biquad_q15(const BiquadQ14& c, const int16_t* x, int16_t* y, int n) {
  int32_t x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t acc = int64_t(c.b0) * x[i] + int64_t(c.b1) * x1 + int64_t(c.b2) * x2 - int64_t(c.a1) * y1 -
                        int64_t(c.a2) * y2;  // Q14 x Q15 = Q29, exact
    y[i] = q15_saturate((acc + (1 << 13)) >> 14);
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = y[i];
  }
}

// The same recursion in double and in float (each step in that type).
template <typename T>
static void biquad_direct_form_1(const T b[3], const T a[2], const T* x, T* y, int n) {
  T x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (int i = 0; i < n; ++i) {
    y[i] = b[0] * x[i] + b[1] * x1 + b[2] * x2 - a[0] * y1 - a[1] * y2;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = y[i];
  }
}
void biquad_double(const double b[3], const double a[2], const double* x, double* y, int n) {
  biquad_direct_form_1(b, a, x, y, n);
}
void biquad_float(const float b[3], const float a[2], const float* x, float* y, int n) {
  biquad_direct_form_1(b, a, x, y, n);
}

double allpole_l1_norm(double a1, double a2) {
  // h[0] = 1, h[1] = -a1, h[k] = -a1 h[k-1] - a2 h[k-2].
  double h2 = 0, h1 = 1, sum = 1;
  for (int k = 1; k < 1000000; ++k) {
    const double h = -a1 * h1 - a2 * h2;
    sum += std::fabs(h);
    h2 = h1;
    h1 = h;
    if (k > 8 && std::fabs(h) + std::fabs(h2) < 1e-18) break;
  }
  return sum;
}

}  // namespace bare_metal
