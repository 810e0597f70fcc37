// Raw HTTP/1.1 over a TCP socket from a chosen 127.0.0.x source address: what
// hostile clients do (partial requests, trickled headers, many connections)
// and what test::http_request cannot (source address, exact bytes, timing).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

namespace lstaked::test::hostile {

class raw_conn {
public:
  raw_conn() = default;
  raw_conn(int port, const std::string& source = "127.0.0.1") { open(port, source); }
  ~raw_conn() { close(); }
  raw_conn(raw_conn&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  raw_conn& operator=(raw_conn&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }

  bool open(int port, const std::string& source = "127.0.0.1") {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0)
      return false;
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0;
  }
  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }
  bool send(const std::string& data) {
    return fd_ >= 0 && ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL)
                         == static_cast<ssize_t>(data.size());
  }
  /// Everything received until the peer closes or `timeout` passes.
  std::string read_until_close(std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      if (left <= 0)
        return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        return out;
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  /// One response (headers + Content-Length body), or what came before `timeout`.
  std::string read_response(std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (true) {
      auto head = out.find("\r\n\r\n");
      if (head != std::string::npos) {
        auto at = lower(out.substr(0, head)).find("content-length:");
        size_t len = at == std::string::npos ? 0 : std::stoul(out.substr(at + 15));
        if (out.size() >= head + 4 + len)
          return out;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
        return out;
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  bool closed() const { return closed_; }

  static std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
  }

private:
  int fd_ = -1;
  bool closed_ = false;
};

inline int status_of(const std::string& response) {
  return response.size() >= 12 ? std::atoi(response.c_str() + 9) : 0;
}

inline std::string body_of(const std::string& response) {
  auto head = response.find("\r\n\r\n");
  return head == std::string::npos ? std::string{} : response.substr(head + 4);
}

inline std::string header_of(const std::string& response, const std::string& name) {
  auto head = response.substr(0, response.find("\r\n\r\n"));
  auto at = raw_conn::lower(head).find("\r\n" + raw_conn::lower(name) + ":");
  if (at == std::string::npos)
    return {};
  auto start = at + 3 + name.size();
  auto end = head.find("\r\n", start);
  auto v = head.substr(start, end - start);
  return v.substr(v.find_first_not_of(' '));
}

inline std::string request(const std::string& method, const std::string& path,
                           const std::string& body = {}, const std::string& headers = {}) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + headers;
  if (method == "POST")
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size())
           + "\r\n";
  return out + "\r\n" + body;
}

} // namespace lstaked::test::hostile
