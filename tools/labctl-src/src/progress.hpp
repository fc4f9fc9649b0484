// A progress line for anything that takes more than a few seconds: a spinner
// with elapsed time on a terminal, plain start/finish lines in logs and CI.
#pragma once
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
  double last_logged_ = 0;  // without a terminal: when update() last printed
  std::thread thread_;
};

double seconds_now();

// A child (a lab's bench) may say where a long step is by printing lines that
// start with "progress: " ("progress: epoch 2/5  loss 0.41"). Feed its output
// through here in chunks as they arrive; `pending` keeps a partial last line.
// Returns the text after the prefix of the newest complete progress line in
// the chunk, if any.
std::optional<std::string> progress_detail(std::string& pending, std::string_view chunk);

}  // namespace labctl
