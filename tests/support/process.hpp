// Child processes for end-to-end tests: run to completion, or start in the
// background and wait for a line in their output.
//
// Contract: output goes to files in a directory the caller owns (no pipes to
// fill up); `background_process` kills its child (SIGKILL) on destruction if it
// is still running, so a failing test leaves no daemon behind.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace lstaked::test {

struct process_result {
  int exit_code = -1; // -signal if killed by a signal
  std::string out;
  std::string err;
};

/// Runs argv[0] (a path) with arguments, waits, returns exit code and output;
/// `work_dir` holds the captured output files.
process_result run_process(const std::vector<std::string>& argv, const std::string& work_dir,
                           std::chrono::seconds timeout = std::chrono::seconds(60));

class background_process {
public:
  background_process(const std::vector<std::string>& argv, const std::string& log_prefix);
  ~background_process();
  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  /// Waits until stderr or stdout contains `needle`; returns the line, or nullopt on timeout/exit.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  /// Waits for the line with `needle` (a peer saying where it listens); the
  /// port of the first "127.0.0.1:PORT" in it, 0 if none came.
  int wait_for_port(const std::string& needle, std::chrono::milliseconds timeout);
  void signal(int sig);
  /// Waits for exit; returns the exit code (-signal if killed), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string stderr_text() const;
  std::string stdout_text() const;
  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string out_path_, err_path_;
};

} // namespace lstaked::test
