#include "config/secret_file.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace lstaked {

namespace {
std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}
} // namespace

caf::expected<std::string> read_secret_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(ec::io_error, "cannot read secret file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return make_error(ec::io_error, "secret file " + path + " is not a regular file");
  if ((st.st_mode & 077) != 0)
    return make_error(ec::insecure_permissions,
                      "secret file " + path + " has mode " + octal_mode(st.st_mode)
                        + "; it must not be accessible by group or others (chmod 600 " + path + ")");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(ec::io_error, "cannot open secret file " + path);
  std::ostringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  if (text.empty())
    return make_error(ec::invalid_config, "secret file " + path + " is empty");
  return text;
}

caf::error create_secret_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(ec::io_error, "cannot create " + path + ": " + std::strerror(errno));
  std::string line = content + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok)
    return make_error(ec::io_error, "cannot write " + path);
  return caf::none;
}

caf::error prepare_data_dir(const std::string& dir) {
  std::error_code err;
  bool created = std::filesystem::create_directories(dir, err);
  if (err)
    return make_error(ec::io_error, "cannot create data directory " + dir + ": " + err.message());
  if (created) // the database holds the money ledger: owner only
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, err);
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return make_error(ec::io_error,
                      "data directory " + dir + " is not writable: " + std::strerror(errno));
  // access() trusts mode bits; root ignores them, so also try a real file.
  std::string probe = dir + "/.write-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(ec::io_error,
                      "data directory " + dir + " is not writable: " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return caf::none;
}

} // namespace lstaked
