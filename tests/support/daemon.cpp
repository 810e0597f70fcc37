#include "tests/support/daemon.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <iostream>

namespace lstaked::test {

const std::string& lstaked_binary() {
  static const std::string path = LSTAKED_BINARY;
  return path;
}

http_reply http_request(int port, const std::string& method, const std::string& path,
                        const std::string& body, const std::string& type,
                        std::chrono::seconds read_timeout) {
  httplib::Client c{"127.0.0.1", port};
  c.set_connection_timeout(std::chrono::seconds(10));
  c.set_read_timeout(read_timeout);
  c.set_write_timeout(std::chrono::seconds(60));
  httplib::Result res =
    method == "GET" ? c.Get(path.c_str()) : c.Post(path.c_str(), body, type.c_str());
  http_reply r;
  if (!res)
    return r;
  r.status = res->status;
  r.raw = res->body;
  r.body = nlohmann::json::parse(res->body, nullptr, false);
  return r;
}

daemon::daemon(const temp_dir& dir, std::vector<std::string> run_args,
               std::vector<std::string> cli_args)
  : dir_(&dir), run_args_(std::move(run_args)), cli_args_(std::move(cli_args)) {}

daemon::daemon(const temp_dir& dir, std::string config_file)
  : daemon(dir, {"--config", config_file}, {"--config", config_file}) {}

daemon daemon::with_flags(const temp_dir& dir, std::vector<std::string> run_args) {
  return daemon{dir, std::move(run_args), {}};
}

daemon::~daemon() {
  if (proc_ && ::testing::Test::HasFailure())
    std::cerr << "---- daemon log (" << log_name_ << ") ----\n" << last_log() << "\n";
}

bool daemon::start(const std::string& log_name, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{lstaked_binary(), "run"};
  argv.insert(argv.end(), run_args_.begin(), run_args_.end());
  log_name_ = log_name;
  proc_ = std::make_unique<background_process>(argv, dir_->file(log_name));
  // "lstaked listening": the admin listener logs "admin listening on http://" too.
  port = proc_->wait_for_port("lstaked listening on http://", timeout);
  return port > 0;
}

void daemon::kill9(std::chrono::milliseconds timeout) {
  proc_->signal(SIGKILL);
  proc_->wait(timeout);
}

std::optional<int> daemon::stop(std::chrono::milliseconds timeout) {
  proc_->signal(SIGTERM);
  return proc_->wait(timeout);
}

std::string daemon::last_log() const {
  return proc_ ? proc_->stderr_text() + proc_->stdout_text() : "";
}

http_reply daemon::post_deposit(const std::string& extrinsic) const {
  return post("/v1/deposits", nlohmann::json{{"extrinsic", extrinsic}}.dump());
}

process_result daemon::cli(std::vector<std::string> args) const {
  args.insert(args.begin(), lstaked_binary());
  args.insert(args.end(), cli_args_.begin(), cli_args_.end());
  return run_process(args, dir_->path(), std::chrono::seconds(120));
}

} // namespace lstaked::test
