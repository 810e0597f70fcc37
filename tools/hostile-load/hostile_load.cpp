// hostile-load: hostile clients against the user API, and a normal client
// measuring what it still gets (issue #17). Loopback only, bounded in time.
//
//   hostile-load --port P [--tls] --admin-port A --admin-token-file F
//                --account SS58 [--claims-file F] [--baseline-seconds 5]
//                [--attack-seconds 15] [--slowloris 96] [--sources 16]
//                [--flood-threads 4] [--probe-interval-ms 500] [--out FILE]
//
// Phase 1 (baseline): only the normal client. Phase 2 (attack): the normal
// client while
//   - `slowloris` connections, spread over `sources` source addresses
//     127.0.0.10.., each sending a partial request and then one header line
//     per second, reconnecting whenever the server closes them;
//   - `flood-threads` keep-alive clients (from 127.0.0.100..) posting
//     POST /v1/deposits with random unknown extrinsic hashes as fast as they
//     are answered.
// The normal client (127.0.0.1) opens a new connection per request, every
// `probe-interval-ms`: GET /v1/status, GET /v1/accounts/<account>, and a valid
// POST /v1/claims from --claims-file (a JSON array of request bodies, each
// used once, one every third round), plus GET /admin/v1/status on the admin
// listener (plain HTTP, loopback) with the bearer token.
// Prints (and writes to --out) JSON: per phase and probe, count, failures,
// p50/p99/max latency in ms, status counts; attack counters.
#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct options {
  int port = 0;
  bool tls = false;
  int admin_port = 0;
  std::string admin_token_file;
  std::string account;
  std::string claims_file;
  int baseline_seconds = 5;
  int attack_seconds = 15;
  int slowloris = 96;
  int sources = 16;
  int flood_threads = 4;
  int probe_interval_ms = 500;
  std::string out;
};

SSL_CTX* tls_ctx = nullptr;

// One TCP (optionally TLS) connection to 127.0.0.1, from a chosen source address.
struct conn {
  int fd = -1;
  SSL* ssl = nullptr;

  ~conn() { close(); }
  void close() {
    if (ssl) {
      SSL_free(ssl);
      ssl = nullptr;
    }
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }

  bool open(int port, const std::string& source, bool tls, std::chrono::milliseconds timeout) {
    close();
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return false;
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (!source.empty()) {
      sockaddr_in src{};
      src.sin_family = AF_INET;
      ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0)
        return false;
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0)
      return false;
    if (tls) {
      ssl = SSL_new(tls_ctx);
      SSL_set_fd(ssl, fd);
      SSL_set_tlsext_host_name(ssl, "localhost");
      if (SSL_connect(ssl) != 1)
        return false;
    }
    return true;
  }

  bool send_all(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      int n = ssl ? SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done))
                  : static_cast<int>(::send(fd, data.data() + done, data.size() - done,
                                            MSG_NOSIGNAL));
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  int recv_some(char* buf, size_t size) {
    return ssl ? SSL_read(ssl, buf, static_cast<int>(size))
               : static_cast<int>(::recv(fd, buf, size, 0));
  }

  // One response: status (0: none), body. Reads by Content-Length.
  int read_response(std::string& body, steady::time_point deadline) {
    std::string buf;
    char chunk[8192];
    size_t head_end = std::string::npos;
    size_t need = 0;
    while (true) {
      if (head_end != std::string::npos && buf.size() >= need)
        break;
      if (steady::now() > deadline)
        return 0;
      int n = recv_some(chunk, sizeof chunk);
      if (n <= 0) {
        if (head_end != std::string::npos)
          break;
        return 0;
      }
      buf.append(chunk, static_cast<size_t>(n));
      if (head_end == std::string::npos) {
        head_end = buf.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          // Skip interim 1xx answers.
          if (buf.compare(9, 1, "1") == 0) {
            buf.erase(0, head_end + 4);
            head_end = std::string::npos;
            continue;
          }
          size_t length = 0;
          std::string head = buf.substr(0, head_end);
          std::string lower = head;
          std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
          auto at = lower.find("content-length:");
          if (at != std::string::npos)
            length = std::stoul(head.substr(at + 15));
          need = head_end + 4 + length;
        }
      }
    }
    if (buf.size() < 12)
      return 0;
    body = buf.substr(std::min(buf.size(), head_end + 4));
    return std::atoi(buf.c_str() + 9);
  }
};

std::string request_text(const std::string& method, const std::string& path,
                         const std::string& body, const std::string& extra_headers,
                         bool keep_alive) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers;
  if (!keep_alive)
    out += "Connection: close\r\n";
  if (method == "POST")
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size())
           + "\r\n";
  return out + "\r\n" + body;
}

struct sample {
  double ms;
  int status;
};

struct recorder {
  std::mutex mutex;
  std::map<std::string, std::vector<sample>> by_probe;
  void add(const std::string& probe, sample s) {
    std::lock_guard<std::mutex> lock{mutex};
    by_probe[probe].push_back(s);
  }
  json summary() {
    std::lock_guard<std::mutex> lock{mutex};
    json out = json::object();
    for (auto& [probe, samples] : by_probe) {
      std::vector<double> ms;
      std::map<std::string, int> statuses;
      int failures = 0;
      for (auto& s : samples) {
        ms.push_back(s.ms);
        statuses[std::to_string(s.status)]++;
        if (s.status == 0)
          ++failures;
      }
      std::sort(ms.begin(), ms.end());
      auto pct = [&](double p) {
        if (ms.empty())
          return 0.0;
        size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(ms.size()))) - 1;
        return ms[std::min(i, ms.size() - 1)];
      };
      out[probe] = {{"count", samples.size()}, {"failures", failures},
                    {"p50_ms", pct(0.50)}, {"p99_ms", pct(0.99)},
                    {"max_ms", ms.empty() ? 0.0 : ms.back()}, {"statuses", statuses}};
    }
    return out;
  }
};

// One request on a new connection, as a new visitor would make it.
sample once(int port, bool tls, const std::string& method, const std::string& path,
            const std::string& body, const std::string& headers) {
  auto start = steady::now();
  auto deadline = start + 10s;
  conn c;
  int status = 0;
  if (c.open(port, "127.0.0.1", tls, 10s) && c.send_all(request_text(method, path, body, headers, false))) {
    std::string reply;
    status = c.read_response(reply, deadline);
  }
  return {std::chrono::duration<double, std::milli>(steady::now() - start).count(), status};
}

std::string source_address(int base, int i) {
  return "127.0.0." + std::to_string(base + i);
}

void slowloris(const options& o, std::atomic<bool>& stop, std::atomic<uint64_t>& reconnects,
               std::atomic<uint64_t>& refused) {
  std::vector<conn> conns(static_cast<size_t>(o.slowloris));
  std::vector<int> lines(conns.size(), 0);
  auto start_one = [&](size_t i) {
    auto& c = conns[i];
    if (!c.open(o.port, source_address(10, static_cast<int>(i) % o.sources), o.tls, 2s)
        || !c.send_all("POST /v1/deposits HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                       "application/json\r\n")) {
      c.close();
      ++refused;
      return;
    }
    lines[i] = 0;
    ++reconnects;
  };
  for (size_t i = 0; i < conns.size(); ++i)
    start_one(i);
  while (!stop.load()) {
    auto tick = steady::now();
    for (size_t i = 0; i < conns.size() && !stop.load(); ++i) {
      auto& c = conns[i];
      bool alive = c.fd >= 0;
      if (alive) {
        // Closed by the server (after an answer such as 408, or none)? Not
        // "readable": TLS 1.3 sends session tickets on a live connection.
        pollfd p{c.fd, POLLRDHUP, 0};
        if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
          alive = false;
      }
      if (alive)
        alive = c.send_all("X-Slow-" + std::to_string(lines[i]++) + ": 1\r\n");
      if (!alive) {
        c.close();
        start_one(i);
      }
    }
    std::this_thread::sleep_until(tick + 1s);
  }
}

void flood(const options& o, int index, std::atomic<bool>& stop, std::mutex& mutex,
           std::map<int, uint64_t>& statuses) {
  std::mt19937_64 rng(static_cast<uint64_t>(index) * 7919 + 1);
  conn c;
  bool open = false;
  std::map<int, uint64_t> mine;
  while (!stop.load()) {
    if (!open) {
      open = c.open(o.port, source_address(100, index), o.tls, 5s);
      if (!open) {
        ++mine[0];
        std::this_thread::sleep_for(50ms);
        continue;
      }
    }
    char hash[67] = "0x";
    for (int k = 0; k < 4; ++k)
      std::snprintf(hash + 2 + 16 * k, 17, "%016llx", static_cast<unsigned long long>(rng()));
    std::string body = std::string(R"({"extrinsic":")") + hash + "\"}";
    std::string reply;
    int status = 0;
    if (c.send_all(request_text("POST", "/v1/deposits", body, "", true)))
      status = c.read_response(reply, steady::now() + 10s);
    ++mine[status];
    if (status == 0 || reply.find("too_many") != std::string::npos) {
      c.close();
      open = false;
    }
    if (status == 429 || status == 503)
      std::this_thread::sleep_for(5ms); // still hostile, not a busy loop
  }
  std::lock_guard<std::mutex> lock{mutex};
  for (auto& [k, v] : mine)
    statuses[k] += v;
}

void probes(const options& o, const std::string& admin_token, std::vector<std::string>& claims,
            size_t& next_claim, recorder& rec, steady::time_point until) {
  int round = 0;
  while (steady::now() < until) {
    auto tick = steady::now();
    rec.add("status", once(o.port, o.tls, "GET", "/v1/status", "", ""));
    rec.add("account", once(o.port, o.tls, "GET", "/v1/accounts/" + o.account, "", ""));
    if (round % 3 == 0 && next_claim < claims.size())
      rec.add("claim", once(o.port, o.tls, "POST", "/v1/claims", claims[next_claim++], ""));
    if (o.admin_port)
      rec.add("admin_status", once(o.admin_port, false, "GET", "/admin/v1/status", "",
                                   "Authorization: Bearer " + admin_token + "\r\n"));
    ++round;
    std::this_thread::sleep_until(tick + std::chrono::milliseconds(o.probe_interval_ms));
  }
}

int usage() {
  std::cerr << "usage: hostile-load --port P [--tls] [--admin-port A --admin-token-file F] "
               "--account SS58 [--claims-file F] [--baseline-seconds N] [--attack-seconds N] "
               "[--slowloris N] [--sources N] [--flood-threads N] [--probe-interval-ms N] "
               "[--out FILE]\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--port") o.port = std::stoi(next());
    else if (a == "--tls") o.tls = true;
    else if (a == "--admin-port") o.admin_port = std::stoi(next());
    else if (a == "--admin-token-file") o.admin_token_file = next();
    else if (a == "--account") o.account = next();
    else if (a == "--claims-file") o.claims_file = next();
    else if (a == "--baseline-seconds") o.baseline_seconds = std::stoi(next());
    else if (a == "--attack-seconds") o.attack_seconds = std::stoi(next());
    else if (a == "--slowloris") o.slowloris = std::stoi(next());
    else if (a == "--sources") o.sources = std::max(1, std::min(90, std::stoi(next())));
    else if (a == "--flood-threads") o.flood_threads = std::min(100, std::stoi(next()));
    else if (a == "--probe-interval-ms") o.probe_interval_ms = std::stoi(next());
    else if (a == "--out") o.out = next();
    else return usage();
  }
  if (o.port == 0 || o.account.empty() || o.baseline_seconds > 600 || o.attack_seconds > 600)
    return usage();
  if (o.tls) {
    tls_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, nullptr); // the test's throwaway certificate
  }
  std::string admin_token;
  if (!o.admin_token_file.empty()) {
    std::ifstream in{o.admin_token_file};
    std::getline(in, admin_token);
  }
  std::vector<std::string> claims;
  if (!o.claims_file.empty()) {
    std::ifstream in{o.claims_file};
    for (auto& c : json::parse(in))
      claims.push_back(c.is_string() ? c.get<std::string>() : c.dump()); // a body, or its text
  }
  size_t next_claim = 0;

  recorder baseline, attack;
  probes(o, admin_token, claims, next_claim, baseline,
         steady::now() + std::chrono::seconds(o.baseline_seconds));

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reconnects{0}, refused{0};
  std::mutex flood_mutex;
  std::map<int, uint64_t> flood_statuses;
  std::vector<std::thread> attackers;
  attackers.emplace_back([&] { slowloris(o, stop, reconnects, refused); });
  for (int k = 0; k < o.flood_threads; ++k)
    attackers.emplace_back([&, k] { flood(o, k, stop, flood_mutex, flood_statuses); });
  std::this_thread::sleep_for(1s); // the attack is in place before the first probe
  probes(o, admin_token, claims, next_claim, attack,
         steady::now() + std::chrono::seconds(o.attack_seconds));
  stop = true;
  for (auto& t : attackers)
    t.join();

  json flood_json = json::object();
  uint64_t flood_total = 0;
  for (auto& [k, v] : flood_statuses) {
    flood_json[std::to_string(k)] = v;
    flood_total += v;
  }
  json out = {{"baseline", baseline.summary()},
              {"attack", attack.summary()},
              {"slowloris", {{"connections", o.slowloris}, {"sources", o.sources},
                             {"connects", reconnects.load()}, {"refused", refused.load()}}},
              {"flood", {{"threads", o.flood_threads}, {"requests", flood_total},
                         {"statuses", flood_json}}},
              {"tls", o.tls}};
  std::cout << out.dump(2) << std::endl;
  if (!o.out.empty())
    std::ofstream{o.out} << out.dump(2) << "\n";
  return 0;
}
