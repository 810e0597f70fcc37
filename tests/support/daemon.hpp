// The built `lstaked` binary as a child process of an end-to-end test: started
// with a TOML file (or with flags), waited for until it logs the address it
// listens on, driven over HTTP on 127.0.0.1, stopped with SIGTERM or killed
// with SIGKILL (a crash), its log printed when the test has failed.
//
// Contract: the binary's path is compiled into this library
// (`lstaked_binary()`, from $<TARGET_FILE:lstaked>); a test that starts it
// must `add_dependencies(<test> lstaked)` so that it is built. Output goes to
// `<dir>/<log name>.stdout|.stderr`. The child is killed (SIGKILL) when the
// object dies. HTTP helpers open one connection per call, so they may be
// called from several threads at once.
#pragma once

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::test {

/// The built daemon (tests/support/CMakeLists.txt compiles its path in).
const std::string& lstaked_binary();

struct http_reply {
  int status = 0;      // 0: no answer
  nlohmann::json body; // discarded if not JSON
  std::string raw;
};

/// One request to http://127.0.0.1:<port><path> ("GET" or "POST").
http_reply http_request(int port, const std::string& method, const std::string& path,
                        const std::string& body = {}, const std::string& type = "application/json",
                        std::chrono::seconds read_timeout = std::chrono::seconds(60));

class daemon {
public:
  /// `lstaked run --config FILE`; `cli` runs other commands on the same file.
  daemon(const temp_dir& dir, std::string config_file);
  /// `lstaked run <run_args...>` (flags only, e.g. --data-dir, --http-listen).
  static daemon with_flags(const temp_dir& dir, std::vector<std::string> run_args);

  /// Prints the log of the last start if the running test has failed.
  ~daemon();
  daemon(daemon&&) = default;
  daemon& operator=(daemon&&) = default;

  /// Starts it (output in `<dir>/<log_name>.*`) and waits for "listening on
  /// http://127.0.0.1:PORT"; false (see `last_log()`) if it never listened.
  bool start(const std::string& log_name,
             std::chrono::milliseconds timeout = std::chrono::seconds(120));
  /// SIGKILL, as a crash: nothing is flushed, nothing is drained.
  void kill9(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// SIGTERM; the exit code (nullopt: it did not exit in time).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// The running (or last) process; null before the first start.
  background_process* process() const { return proc_.get(); }
  std::string stderr_text() const { return proc_ ? proc_->stderr_text() : ""; }
  /// stderr then stdout of the last start.
  std::string last_log() const;

  http_reply get(const std::string& path) const { return http_request(port, "GET", path); }
  http_reply post(const std::string& path, const std::string& body,
                  const std::string& type = "application/json") const {
    return http_request(port, "POST", path, body, type);
  }
  http_reply post_deposit(const std::string& extrinsic) const;

  /// Runs `lstaked <args...> --config FILE` (no --config when started with flags) to completion.
  process_result cli(std::vector<std::string> args) const;

  int port = 0; // where the last start listens; 0: not listening

private:
  daemon(const temp_dir& dir, std::vector<std::string> run_args, std::vector<std::string> cli_args);

  const temp_dir* dir_;
  std::vector<std::string> run_args_; // after "run"
  std::vector<std::string> cli_args_; // appended to every `cli` call
  std::string log_name_;
  std::unique_ptr<background_process> proc_;
};

} // namespace lstaked::test
