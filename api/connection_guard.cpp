#include "api/connection_guard.hpp"

#include "actors/metrics.hpp"

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace lstaked::api {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct connection {
  int fd = -1;
  std::string peer_ip;
  int peer_port = 0;
  std::string local_ip;
  int local_port = 0;
  std::string buf;          // bytes received and not yet answered
  size_t request_len = 0;   // a whole request at buf's front (0: not yet)
  bool continue_sent = false;
  bool idle = false;        // waiting for the first byte of a next request
  steady::time_point deadline;   // the current request must be whole by then (when !idle)
  steady::time_point idle_since; // (when idle)
  uint32_t served = 0;
  uint64_t discard_left = 0; // of an oversize body read away before its 413
};

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    default: return "Service Unavailable";
  }
}

// The loop's answers: short, JSON like every other error, and followed by close.
std::string canned(int status, const std::string& code, const std::string& message) {
  std::string body = R"({"error":{"code":")" + code + R"(","message":")" + message + R"("}})";
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status)
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\nConnection: close\r\n";
  if (status == 503)
    out += "Retry-After: 1\r\n";
  return out + "\r\n" + body;
}

std::string address_text(const sockaddr_storage& a, int& port) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (a.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  return text;
}

bool iequals(const std::string& a, const char* b) {
  auto n = std::strlen(b);
  if (a.size() != n)
    return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i])
      return false;
  return true;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// A buffered request as httplib's Stream: reads never go past the request the
// loop framed (nor touch the socket); writes go to the socket, bounded in time.
class buffered_stream : public httplib::Stream {
public:
  buffered_stream(connection& c, milliseconds write_timeout)
    : c_(c), write_timeout_(write_timeout) {}

  bool is_readable() const override { return pos_ < c_.request_len; }

  bool is_writable() const override {
    pollfd p{c_.fd, POLLOUT, 0};
    return ::poll(&p, 1, static_cast<int>(write_timeout_.count())) > 0
           && !(p.revents & (POLLERR | POLLHUP));
  }

  ssize_t read(char* ptr, size_t size) override {
    size_t left = c_.request_len - pos_;
    size_t n = std::min(size, left);
    std::memcpy(ptr, c_.buf.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n); // 0 = the end of this request
  }

  ssize_t write(const char* ptr, size_t size) override {
    auto deadline = steady::now() + write_timeout_;
    size_t done = 0;
    while (done < size) {
      auto n = ::send(c_.fd, ptr + done, size - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now()).count();
        pollfd p{c_.fd, POLLOUT, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0)
          return -1; // a client that does not read its answer loses it
        continue;
      }
      return -1;
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.peer_ip;
    port = c_.peer_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.local_ip;
    port = c_.local_port;
  }
  socket_t socket() const override { return c_.fd; }

private:
  connection& c_;
  milliseconds write_timeout_;
  size_t pos_ = 0;
};

enum class frame { incomplete, complete, refused };

} // namespace

struct connection_guard::impl {
  guard_config cfg;
  serve_fn serve;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::thread loop_thread;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};
  bool workers_stop = false; // under mutex

  // Owned by the loop thread: connections between answers.
  std::unordered_map<int, std::unique_ptr<connection>> reading;
  steady::time_point last_sweep;

  std::mutex mutex; // guards everything below
  std::condition_variable work;
  std::deque<std::unique_ptr<connection>> ready;    // whole requests, for the workers
  std::deque<std::unique_ptr<connection>> returned; // answered keep-alive, back to the loop
  uint32_t open = 0;
  std::unordered_map<std::string, uint32_t> per_client;

  gauge_metric* open_gauge = nullptr;
  gauge_metric* waiting_gauge = nullptr;

  counter_metric& refused(const char* reason) {
    return metrics_registry::global().counter(
      "lstaked_http_connections_refused_total",
      "Connections refused at accept (503 + Retry-After, no worker used), by listener and reason",
      {{"listener", cfg.name}, {"reason", reason}});
  }
  counter_metric& closed(const char* reason) {
    return metrics_registry::global().counter(
      "lstaked_http_connections_closed_total",
      "Connections closed by the guard before a worker saw a request, by listener and reason",
      {{"listener", cfg.name}, {"reason", reason}});
  }

  bool exempt(const std::string& ip) const {
    return std::find(cfg.exempt_peers.begin(), cfg.exempt_peers.end(), ip)
           != cfg.exempt_peers.end();
  }

  // Forgets a connection in any state (loop or worker thread).
  void release(std::unique_ptr<connection> c) {
    if (!c)
      return;
    ::close(c->fd);
    std::lock_guard<std::mutex> lock{mutex};
    --open;
    open_gauge->set(open);
    auto it = per_client.find(c->peer_ip);
    if (it != per_client.end() && --it->second == 0)
      per_client.erase(it);
  }

  // Best effort: a short answer, what has already arrived read away (so the
  // close is a FIN, not a reset that could destroy the answer), then close.
  static void answer_and_close(int fd, const std::string& text) {
    (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    char sink[4096];
    for (int i = 0; i < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
    }
  }

  void refuse_in_loop(std::unique_ptr<connection> c, int status, const char* code,
                      const std::string& message) {
    closed(code).inc();
    answer_and_close(c->fd, canned(status, code, message));
    reading.erase(c->fd);
    release(std::move(c));
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED)
          continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
          spdlog::warn("http[{}]: accept: {}", cfg.name, std::strerror(errno));
        return;
      }
      auto c = std::make_unique<connection>();
      c->fd = fd;
      c->peer_ip = address_text(peer, c->peer_port);
      sockaddr_storage local{};
      socklen_t local_len = sizeof local;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0)
        c->local_ip = address_text(local, c->local_port);
      const char* refusal = nullptr;
      {
        std::lock_guard<std::mutex> lock{mutex};
        if (open >= cfg.max_connections)
          refusal = "max_connections";
        else if (!exempt(c->peer_ip) && per_client[c->peer_ip] >= cfg.max_connections_per_client)
          refusal = "per_client";
        else {
          ++open;
          ++per_client[c->peer_ip];
          open_gauge->set(open);
        }
        if (refusal && per_client.count(c->peer_ip) && per_client[c->peer_ip] == 0)
          per_client.erase(c->peer_ip);
      }
      if (refusal) {
        refused(refusal).inc();
        answer_and_close(fd, canned(503, "too_many_connections",
                                    std::string("too many open connections")
                                      + (std::strcmp(refusal, "per_client") == 0
                                           ? " from this address"
                                           : "")
                                      + "; retry later"));
        ::close(fd);
        continue;
      }
      int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      c->deadline = steady::now() + cfg.request_timeout;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
      reading.emplace(fd, std::move(c));
    }
  }

  // Is a whole request at the front of c.buf? Refusals are answered here.
  frame try_frame(connection& c, int& status, const char*& code, std::string& message) {
    auto head_end = c.buf.find("\r\n\r\n");
    if (head_end == std::string::npos || head_end + 4 > cfg.max_header_bytes) {
      if (c.buf.size() > cfg.max_header_bytes
          || (head_end != std::string::npos && head_end + 4 > cfg.max_header_bytes)) {
        status = 431, code = "header_too_large";
        message = "request line and headers exceed " + std::to_string(cfg.max_header_bytes)
                  + " bytes";
        return frame::refused;
      }
      return frame::incomplete;
    }
    size_t head_len = head_end + 4;
    uint64_t body = 0;
    bool have_length = false;
    size_t expect_at = std::string::npos, expect_len = 0;
    size_t line = c.buf.find("\r\n");
    while (line != std::string::npos && line < head_end) {
      size_t start = line + 2;
      size_t end = c.buf.find("\r\n", start);
      auto text = c.buf.substr(start, end - start);
      auto colon = text.find(':');
      if (colon != std::string::npos) {
        auto name = trim(text.substr(0, colon));
        auto value = trim(text.substr(colon + 1));
        if (iequals(name, "content-length")) {
          if (value.empty() || value.size() > 18
              || value.find_first_not_of("0123456789") != std::string::npos) {
            status = 400, code = "bad_request", message = "malformed Content-Length";
            return frame::refused;
          }
          auto v = std::stoull(value);
          if (have_length && v != body) {
            status = 400, code = "bad_request", message = "conflicting Content-Length headers";
            return frame::refused;
          }
          body = v, have_length = true;
        } else if (iequals(name, "transfer-encoding")) {
          status = 411, code = "length_required";
          message = "send the body with a Content-Length (no Transfer-Encoding)";
          return frame::refused;
        } else if (iequals(name, "expect")) {
          expect_at = start, expect_len = end + 2 - start;
        }
      }
      line = end;
    }
    if (body > cfg.max_body_bytes) {
      // A body of sane size is read away first (within the request deadline)
      // so the client, still sending, gets the 413 instead of a reset.
      uint64_t arrived = c.buf.size() - head_len;
      if (body <= std::max<uint64_t>(1 << 20, 4 * cfg.max_body_bytes) && arrived < body) {
        c.discard_left = body - arrived;
        c.buf.clear();
        return frame::incomplete;
      }
      status = 413, code = "payload_too_large";
      message = "request body larger than " + std::to_string(cfg.max_body_bytes) + " bytes";
      return frame::refused;
    }
    if (expect_at != std::string::npos) {
      // Answered here (the worker must not see it, or it would answer it too).
      c.buf.erase(expect_at, expect_len);
      head_len -= expect_len;
      if (c.buf.size() < head_len + body && !c.continue_sent) {
        static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
        (void)::send(c.fd, go_on, sizeof go_on - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        c.continue_sent = true;
      }
    }
    if (c.buf.size() < head_len + body)
      return frame::incomplete;
    c.request_len = head_len + body;
    return frame::complete;
  }

  // After new bytes (or a connection coming back): hand a whole request on.
  void advance(int fd) {
    auto it = reading.find(fd);
    if (it == reading.end())
      return;
    auto& c = *it->second;
    int status = 0;
    const char* code = nullptr;
    std::string message;
    switch (try_frame(c, status, code, message)) {
      case frame::incomplete:
        return;
      case frame::refused:
        return refuse_in_loop(std::move(it->second), status, code, message);
      case frame::complete:
        break;
    }
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    auto owned = std::move(it->second);
    reading.erase(it);
    std::unique_lock<std::mutex> lock{mutex};
    if (ready.size() >= std::max<size_t>(64, 16 * cfg.threads)) {
      lock.unlock();
      refused("queue_full").inc();
      answer_and_close(owned->fd, canned(503, "overloaded", "the server is busy; retry later"));
      return release(std::move(owned));
    }
    ready.push_back(std::move(owned));
    waiting_gauge->set(static_cast<int64_t>(ready.size()));
    lock.unlock();
    work.notify_one();
  }

  void on_readable(int fd) {
    auto it = reading.find(fd);
    if (it == reading.end())
      return;
    auto& c = *it->second;
    char chunk[16384];
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return;
    if (n <= 0) {
      auto owned = std::move(it->second);
      reading.erase(it);
      return release(std::move(owned));
    }
    if (c.idle) {
      c.idle = false;
      c.deadline = steady::now() + cfg.request_timeout;
    }
    if (c.discard_left > 0) {
      c.discard_left -= std::min<uint64_t>(c.discard_left, static_cast<uint64_t>(n));
      if (c.discard_left == 0)
        refuse_in_loop(std::move(it->second), 413, "payload_too_large",
                       "request body larger than " + std::to_string(cfg.max_body_bytes)
                         + " bytes");
      return;
    }
    c.buf.append(chunk, static_cast<size_t>(n));
    advance(fd);
  }

  void take_returned() {
    std::deque<std::unique_ptr<connection>> back;
    {
      std::lock_guard<std::mutex> lock{mutex};
      back.swap(returned);
    }
    auto now = steady::now();
    for (auto& c : back) {
      int fd = c->fd;
      if (c->buf.empty()) {
        c->idle = true;
        c->idle_since = now;
      } else {
        c->idle = false; // pipelined: the next request is already arriving
        c->deadline = now + cfg.request_timeout;
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
      reading.emplace(fd, std::move(c));
      advance(fd);
    }
  }

  void sweep() {
    auto now = steady::now();
    if (now - last_sweep < milliseconds(50))
      return;
    last_sweep = now;
    bool scarce;
    {
      std::lock_guard<std::mutex> lock{mutex};
      scarce = open * 2 >= cfg.max_connections;
    }
    auto idle_limit = scarce ? std::min(cfg.keep_alive_idle, milliseconds(1000))
                             : cfg.keep_alive_idle;
    std::vector<int> idle_out, late;
    for (auto& [fd, c] : reading) {
      if (c->idle && now - c->idle_since > idle_limit)
        idle_out.push_back(fd);
      else if (!c->idle && now > c->deadline)
        late.push_back(fd);
    }
    for (int fd : idle_out) {
      closed("idle").inc();
      auto owned = std::move(reading[fd]);
      reading.erase(fd);
      release(std::move(owned));
    }
    for (int fd : late) {
      auto owned = std::move(reading[fd]);
      refuse_in_loop(std::move(owned), 408, "request_timeout",
                     "the request did not arrive in time");
    }
  }

  void loop() {
    epoll_event events[64];
    while (!stopping.load()) {
      int n = ::epoll_wait(epoll_fd, events, 64, 50);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == listen_fd)
          accept_all();
        else if (fd == wake_fd) {
          uint64_t v;
          (void)::read(wake_fd, &v, sizeof v);
          take_returned();
        } else
          on_readable(fd);
      }
      sweep();
    }
    ::close(listen_fd);
    listen_fd = -1;
    for (auto& [fd, c] : reading)
      release(std::move(c));
    reading.clear();
  }

  void worker() {
    for (;;) {
      std::unique_ptr<connection> c;
      {
        std::unique_lock<std::mutex> lock{mutex};
        work.wait(lock, [&] { return workers_stop || !ready.empty(); });
        if (ready.empty())
          return;
        c = std::move(ready.front());
        ready.pop_front();
        waiting_gauge->set(static_cast<int64_t>(ready.size()));
      }
      ++c->served;
      bool close_connection = stopping.load() || c->served >= cfg.max_requests_per_connection;
      bool connection_closed = false;
      bool ok = false;
      {
        buffered_stream strm{*c, cfg.write_timeout};
        try {
          ok = serve(strm, close_connection, connection_closed);
        } catch (const std::exception& e) {
          spdlog::error("http[{}]: {}", cfg.name, e.what());
        }
      }
      c->buf.erase(0, c->request_len);
      c->request_len = 0;
      c->continue_sent = false;
      if (!ok || connection_closed || close_connection || stopping.load()) {
        release(std::move(c));
        continue;
      }
      {
        std::lock_guard<std::mutex> lock{mutex};
        returned.push_back(std::move(c));
      }
      uint64_t one = 1;
      (void)::write(wake_fd, &one, sizeof one);
    }
  }
};

connection_guard::connection_guard(guard_config cfg, serve_fn serve)
  : impl_(std::make_unique<impl>()) {
  impl_->cfg = std::move(cfg);
  impl_->serve = std::move(serve);
  auto& reg = metrics_registry::global();
  impl_->open_gauge = &reg.gauge("lstaked_http_connections_open", "Open HTTP connections",
                                 {{"listener", impl_->cfg.name}});
  impl_->waiting_gauge = &reg.gauge("lstaked_http_requests_waiting",
                                    "Whole requests waiting for a worker",
                                    {{"listener", impl_->cfg.name}});
}

connection_guard::~connection_guard() {
  stop();
}

caf::expected<uint16_t> connection_guard::start() {
  auto& d = *impl_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto port_text = std::to_string(d.cfg.port);
  if (::getaddrinfo(d.cfg.host.c_str(), port_text.c_str(), &hints, &found) != 0 || !found)
    return make_error(ec::io_error, "cannot resolve " + d.cfg.host);
  int fd = -1;
  for (auto* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0)
      continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1024) == 0)
      break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0)
    return make_error(ec::io_error, "cannot listen on " + d.cfg.host + ":" + port_text
                                      + " (address in use or not local)");
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  int port = 0;
  address_text(bound, port);
  d.listen_fd = fd;
  d.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  d.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  for (int watched : {d.listen_fd, d.wake_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = watched;
    ::epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, watched, &ev);
  }
  d.loop_thread = std::thread([&d] { d.loop(); });
  for (uint32_t i = 0; i < d.cfg.threads; ++i)
    d.workers.emplace_back([&d] { d.worker(); });
  return static_cast<uint16_t>(port);
}

void connection_guard::stop() {
  auto& d = *impl_;
  if (!d.loop_thread.joinable())
    return;
  d.stopping = true;
  uint64_t one = 1;
  (void)::write(d.wake_fd, &one, sizeof one);
  d.loop_thread.join(); // no new connections, idle and partial ones closed
  {
    std::lock_guard<std::mutex> lock{d.mutex};
    d.workers_stop = true; // requests already whole are still answered
  }
  d.work.notify_all();
  for (auto& w : d.workers)
    w.join();
  d.workers.clear();
  std::deque<std::unique_ptr<connection>> left;
  {
    std::lock_guard<std::mutex> lock{d.mutex};
    left.swap(d.returned);
  }
  for (auto& c : left)
    d.release(std::move(c));
  ::close(d.epoll_fd);
  ::close(d.wake_fd);
  d.epoll_fd = d.wake_fd = -1;
}

} // namespace lstaked::api
