// A progress line for anything that takes more than a few seconds: a spinner
// with elapsed time on a terminal, plain start/finish lines in logs and CI.
#pragma once
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace labctl {

class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();
  void update(const std::string& detail);
  // Ends the line with a result ("done", "3 failed").
  void finish(const std::string& result);

 private:
  void draw();
  std::string label_, detail_;
  std::mutex mutex_;
  std::atomic<bool> running_{true};
  bool tty_;
  double start_;
  std::thread thread_;
};

double seconds_now();

}  // namespace labctl
