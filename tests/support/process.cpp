#include "tests/support/process.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lstaked::test {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  pid_t pid = ::fork();
  if (pid != 0)
    return pid;
  // A test killed by its timeout must not leave its node (anvil, the Kusama node) behind.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(o, 1);
  ::dup2(e, 2);
  int null = ::open("/dev/null", O_RDONLY);
  ::dup2(null, 0);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

std::optional<int> decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return -WTERMSIG(status);
  return std::nullopt;
}

} // namespace

process_result run_process(const std::vector<std::string>& argv, const std::string& work_dir,
                           std::chrono::seconds timeout) {
  background_process p{argv, work_dir + "/.run"};
  auto code = p.wait(timeout);
  process_result r;
  r.exit_code = code ? *code : -SIGKILL;
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  return r;
}

background_process::background_process(const std::vector<std::string>& argv,
                                       const std::string& log_prefix)
  : out_path_(log_prefix + ".stdout"), err_path_(log_prefix + ".stderr") {
  pid_ = spawn(argv, out_path_, err_path_);
}

background_process::~background_process() {
  if (!exit_code_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::optional<std::string> background_process::wait_for_line(const std::string& needle,
                                                             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (auto* path : {&err_path_, &out_path_}) {
      std::istringstream lines{slurp(*path)};
      for (std::string line; std::getline(lines, line);)
        if (line.find(needle) != std::string::npos)
          return line;
    }
    int status = 0;
    if (!exit_code_ && ::waitpid(pid_, &status, WNOHANG) == pid_)
      exit_code_ = decode_status(status).value_or(-1);
    if (exit_code_)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

int background_process::wait_for_port(const std::string& needle, std::chrono::milliseconds timeout) {
  auto line = wait_for_line(needle, timeout);
  std::smatch m;
  if (line && std::regex_search(*line, m, std::regex{R"(127\.0\.0\.1:(\d+))"}))
    return std::stoi(m[1]);
  return 0;
}

void background_process::signal(int sig) {
  if (!exit_code_)
    ::kill(pid_, sig);
}

std::optional<int> background_process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decode_status(status).value_or(-1);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_;
}

std::string background_process::stderr_text() const {
  return slurp(err_path_);
}
std::string background_process::stdout_text() const {
  return slurp(out_path_);
}

} // namespace lstaked::test
