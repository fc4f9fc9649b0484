#include "progress.hpp"

#include <chrono>
#include <cstdio>

#include "process.hpp"

namespace labctl {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(std::string label) : label_(std::move(label)), tty_(is_tty(2)), start_(seconds_now()) {
  if (tty_) {
    thread_ = std::thread([this] {
      while (running_) {
        draw();
        std::this_thread::sleep_for(std::chrono::milliseconds(120));
      }
    });
  } else {
    std::fprintf(stderr, "%s ...\n", label_.c_str());
  }
}

void Progress::draw() {
  static const char* frames[] = {"|", "/", "-", "\\"};
  std::lock_guard lock(mutex_);
  const double t = seconds_now() - start_;
  const int frame = static_cast<int>(t * 8) % 4;
  std::fprintf(stderr, "\r\033[K%s %s (%.0fs) %s", frames[frame], label_.c_str(), t, detail_.c_str());
  std::fflush(stderr);
}

void Progress::update(const std::string& detail) {
  std::lock_guard lock(mutex_);
  detail_ = detail;
  // In a log (CI, a pipe) there is no line to redraw: print the detail now
  // and then, so a long step still shows it is moving.
  const double now = seconds_now();
  if (!tty_ && now - last_logged_ >= 15) {
    last_logged_ = now;
    std::fprintf(stderr, "  %s: %s (%.0fs)\n", label_.c_str(), detail.c_str(), now - start_);
  }
}

void Progress::finish(const std::string& result) {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
  const double t = seconds_now() - start_;
  if (tty_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s: %s (%.1fs)\n", label_.c_str(), result.c_str(), t);
}

Progress::~Progress() { finish("stopped"); }

std::optional<std::string> progress_detail(std::string& pending, std::string_view chunk) {
  constexpr std::string_view prefix = "progress: ";
  std::optional<std::string> newest;
  pending.append(chunk);
  std::size_t end;
  while ((end = pending.find('\n')) != std::string::npos) {
    std::string_view line(pending.data(), end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, prefix.size()) == prefix) newest = std::string(line.substr(prefix.size()));
    pending.erase(0, end + 1);
  }
  if (pending.size() > 4096) pending.clear();  // a chatty child that never ends its line
  return newest;
}

}  // namespace labctl
