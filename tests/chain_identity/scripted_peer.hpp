// A scripted JSON-RPC peer for the followers' unit tests: an HTTP server on a
// free 127.0.0.1 port that answers every call (alone or in a batch) with
// `answer(method, params)`. The test scripts what a node says, including
// what a real node never should (a foreign chain, a broken parent link).
//
// Contract: `answer` runs on the server's thread, one call at a time (the
// peer serialises them); throw scripted_peer::error for a JSON-RPC error.
// With a raw handler instead, each request body (a call or a batch) is
// answered with the handler's text as is (a proxy). The server stops when
// the object dies.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace lstaked::test {

class scripted_peer {
public:
  struct error {
    int code;
    std::string message;
  };
  using answer_fn = std::function<nlohmann::json(const std::string& method, const nlohmann::json& params)>;

  using raw_fn = std::function<std::string(const std::string& body)>;

  explicit scripted_peer(answer_fn answer)
    : scripted_peer(raw_fn{}) {
    answer_ = std::move(answer);
  }

  explicit scripted_peer(raw_fn raw) : raw_(std::move(raw)) {
    srv_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      if (raw_)
        return res.set_content(raw_(req.body), "application/json");
      auto body = nlohmann::json::parse(req.body);
      nlohmann::json out = nlohmann::json::array();
      for (auto& call : body.is_array() ? body : nlohmann::json::array({body}))
        out.push_back(reply(call));
      res.set_content((body.is_array() ? out : out[0]).dump(), "application/json");
    });
    port_ = srv_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
    while (!srv_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~scripted_peer() {
    srv_.stop();
    thread_.join();
  }
  scripted_peer(const scripted_peer&) = delete;
  scripted_peer& operator=(const scripted_peer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
  nlohmann::json reply(const nlohmann::json& call) {
    nlohmann::json r = {{"jsonrpc", "2.0"}, {"id", call["id"]}};
    std::lock_guard<std::mutex> guard(mutex_);
    try {
      r["result"] = answer_(call["method"].get<std::string>(),
                            call.value("params", nlohmann::json::array()));
    } catch (const error& e) {
      r["error"] = {{"code", e.code}, {"message", e.message}};
    }
    return r;
  }

  answer_fn answer_;
  raw_fn raw_;
  std::mutex mutex_;
  httplib::Server srv_;
  int port_ = 0;
  std::thread thread_;
};

} // namespace lstaked::test
