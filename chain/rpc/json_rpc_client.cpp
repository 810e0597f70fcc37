#include "chain/rpc/json_rpc_client.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <thread>
#include <unordered_map>

namespace lstaked::rpc {

namespace {

struct parsed_url {
  std::string base; // scheme://host:port, what httplib::Client wants
  std::string path; // "/" if none
};

caf::expected<parsed_url> parse_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    return make_error(ec::invalid_config, "rpc url has no scheme: " + url);
  auto scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return make_error(ec::invalid_config, "rpc url scheme must be http or https: " + url);
  auto rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (authority.empty() || authority.find('@') != std::string::npos
      || authority.find_first_of(" \t\r\n?#") != std::string::npos)
    return make_error(ec::invalid_config, "rpc url has a bad host: " + url);
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    auto port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5
        || !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(c); })
        || std::stoul(port) == 0 || std::stoul(port) > 65535)
      return make_error(ec::invalid_config, "rpc url has a bad port: " + url);
  }
  parsed_url out;
  out.base = scheme + "://" + authority;
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  return out;
}

bool retryable_status(int status) {
  return status == 429 || (status >= 500 && status <= 599);
}

caf::error node_error(const std::string& method, const json& err) {
  if (!err.is_object() || !err.contains("code") || !err["code"].is_number_integer())
    return make_error(ec::decode_error, method + ": malformed JSON-RPC error object");
  std::string message = err.contains("message") && err["message"].is_string()
                          ? err["message"].get<std::string>()
                          : std::string{};
  std::string text = "node error " + std::to_string(err["code"].get<int64_t>()) + ": " + message;
  if (err.contains("data") && !err["data"].is_null()) {
    auto data = err["data"].is_string() ? err["data"].get<std::string>() : err["data"].dump();
    if (data.size() > 512)
      data = data.substr(0, 512) + "...";
    text += " (data: " + data + ")";
  }
  return make_error(ec::rpc_error, method + ": " + text);
}

// Checks one response object; the result or the node's error.
caf::expected<json> unpack(const std::string& method, json& answer) {
  if (!answer.is_object())
    return make_error(ec::decode_error, method + ": answer is not a JSON object");
  auto version = answer.find("jsonrpc");
  if (version == answer.end() || *version != "2.0")
    return make_error(ec::decode_error, method + ": answer is not JSON-RPC 2.0");
  auto err = answer.find("error");
  auto res = answer.find("result");
  if (err != answer.end() && !err->is_null()) {
    if (res != answer.end())
      return make_error(ec::decode_error, method + ": answer has both result and error");
    return node_error(method, *err);
  }
  if (res == answer.end())
    return make_error(ec::decode_error, method + ": answer has neither result nor error");
  return std::move(*res);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

} // namespace

caf::error validate(const json_rpc_config& cfg) {
  if (auto url = parse_url(cfg.url); !url)
    return url.error();
  if (cfg.max_attempts == 0)
    return make_error(ec::invalid_config, "rpc max_attempts must be >= 1");
  if (cfg.connect_timeout.count() <= 0 || cfg.read_timeout.count() <= 0)
    return make_error(ec::invalid_config, "rpc timeouts must be > 0");
  if (cfg.initial_backoff.count() < 0 || cfg.max_backoff < cfg.initial_backoff)
    return make_error(ec::invalid_config, "rpc backoff must satisfy 0 <= initial <= max");
  if (cfg.max_response_bytes == 0)
    return make_error(ec::invalid_config, "rpc max_response_bytes must be > 0");
  return {};
}

caf::expected<std::unique_ptr<json_rpc_client>> json_rpc_client::make(json_rpc_config cfg) {
  if (auto err = validate(cfg))
    return err;
  auto url = parse_url(cfg.url);
  return std::unique_ptr<json_rpc_client>(
    new json_rpc_client(std::move(cfg), std::move(url->base), std::move(url->path)));
}

json_rpc_client::json_rpc_client(json_rpc_config cfg, std::string base, std::string path)
  : cfg_(std::move(cfg)), path_(std::move(path)),
    http_(std::make_unique<httplib::Client>(base)) {
  http_->set_keep_alive(true);
  // Without it every keep-alive request waits ~40 ms (Nagle + delayed ACK).
  http_->set_tcp_nodelay(true);
  http_->set_connection_timeout(cfg_.connect_timeout);
  http_->set_read_timeout(cfg_.read_timeout);
  http_->set_write_timeout(cfg_.read_timeout);
  http_->set_follow_location(false);
}

json_rpc_client::~json_rpc_client() = default;

rpc_stats json_rpc_client::stats() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return stats_;
}

caf::expected<json> json_rpc_client::post(const std::string& body, const std::string& what) {
  auto backoff = cfg_.initial_backoff;
  caf::error last;
  for (unsigned attempt = 1; attempt <= cfg_.max_attempts; ++attempt) {
    if (attempt > 1) {
      ++stats_.retries;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(cfg_.max_backoff, backoff * 2);
    }
    ++stats_.requests;
    httplib::Request req;
    req.method = "POST";
    req.path = path_;
    req.body = body;
    req.set_header("Content-Type", "application/json");
    req.set_header("Accept", "application/json");
    std::string received;
    bool too_large = false;
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (received.size() + n > cfg_.max_response_bytes) {
        too_large = true;
        return false;
      }
      received.append(data, n);
      return true;
    };
    auto started = std::chrono::steady_clock::now();
    auto res = http_->send(req);
    if (too_large) {
      ++stats_.failures;
      // The connection is mid-body: drop it rather than reuse it.
      http_->stop();
      return make_error(ec::decode_error, what + ": answer larger than "
                                            + std::to_string(cfg_.max_response_bytes) + " bytes");
    }
    if (!res) {
      auto err = res.error();
      auto elapsed = std::chrono::steady_clock::now() - started;
      bool timed_out = err == httplib::Error::ConnectionTimeout
                       || (err == httplib::Error::Read && elapsed >= cfg_.read_timeout);
      last = make_error(timed_out ? ec::timeout : ec::rpc_error,
                        what + ": " + httplib::to_string(err) + " (" + cfg_.url + ")");
      spdlog::debug("rpc {} attempt {}/{}: {}", what, attempt, cfg_.max_attempts, describe(last));
      continue;
    }
    if (retryable_status(res->status)) {
      last = make_error(ec::rpc_error, what + ": HTTP " + std::to_string(res->status));
      spdlog::debug("rpc {} attempt {}/{}: {}", what, attempt, cfg_.max_attempts, describe(last));
      continue;
    }
    auto parsed = json::parse(received, nullptr, false);
    if (res->status < 200 || res->status > 299) {
      // Some nodes put a JSON-RPC error in a 4xx body; that is the node's answer.
      if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("error")) {
        ++stats_.failures;
        return node_error(what, parsed["error"]);
      }
      ++stats_.failures;
      return make_error(ec::rpc_error, what + ": HTTP " + std::to_string(res->status));
    }
    if (parsed.is_discarded()) {
      ++stats_.failures;
      return make_error(ec::decode_error, what + ": answer is not JSON");
    }
    return parsed;
  }
  ++stats_.failures;
  return last;
}

caf::expected<json> json_rpc_client::call(const std::string& method, json params) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto id = next_id_++;
  json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  auto answer = post(request.dump(), method);
  if (!answer)
    return answer.error();
  if (answer->is_object() && answer->contains("id") && (*answer)["id"].is_null()
      && answer->contains("error"))
    // A request the node could not read at all (parse error) is answered with id null.
    return node_error(method, (*answer)["error"]);
  if (!answer->is_object() || !answer->contains("id") || (*answer)["id"] != id)
    return make_error(ec::decode_error, method + ": answer id does not match the request");
  ++stats_.calls;
  auto out = unpack(method, *answer);
  if (!out && is(out.error(), ec::rpc_error))
    ++stats_.node_errors;
  return out;
}

caf::expected<std::vector<caf::expected<json>>>
json_rpc_client::batch(const std::vector<rpc_call>& calls) {
  std::vector<caf::expected<json>> out;
  if (calls.empty())
    return out;
  std::lock_guard<std::mutex> guard(mutex_);
  json request = json::array();
  auto first_id = next_id_;
  for (auto& c : calls)
    request.push_back({{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", c.method},
                       {"params", c.params}});
  auto what = "batch[" + std::to_string(calls.size()) + "] " + calls.front().method;
  auto answer = post(request.dump(), what);
  if (!answer)
    return answer.error();
  if (answer->is_object() && answer->contains("error"))
    // The node refused the batch as a whole (too large, batches disabled...).
    return node_error(what, (*answer)["error"]);
  if (!answer->is_array())
    return make_error(ec::decode_error, what + ": answer to a batch is not an array");
  // Answers may come in any order: match them by id; each id exactly once.
  std::vector<std::optional<json>> by_index(calls.size());
  for (auto& item : *answer) {
    if (!item.is_object() || !item.contains("id") || !item["id"].is_number_unsigned())
      return make_error(ec::decode_error, what + ": batch answer without a valid id");
    auto id = item["id"].get<uint64_t>();
    if (id < first_id || id - first_id >= calls.size())
      return make_error(ec::decode_error, what + ": batch answer with an unknown id");
    auto& slot = by_index[id - first_id];
    if (slot)
      return make_error(ec::decode_error, what + ": batch answer id repeated");
    slot = std::move(item);
  }
  out.reserve(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!by_index[i])
      return make_error(ec::decode_error, what + ": batch answer is missing call "
                                            + std::to_string(i) + " (" + calls[i].method + ")");
    ++stats_.calls;
    auto r = unpack(calls[i].method, *by_index[i]);
    if (!r && is(r.error(), ec::decode_error))
      return r.error();
    if (!r)
      ++stats_.node_errors;
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<int64_t> node_error_code(const caf::error& err) {
  if (!is(err, ec::rpc_error))
    return std::nullopt;
  auto text = describe(err);
  static const std::string marker = "node error ";
  auto pos = text.find(marker);
  if (pos == std::string::npos)
    return std::nullopt;
  pos += marker.size();
  auto end = text.find(':', pos);
  if (end == std::string::npos)
    return std::nullopt;
  try {
    size_t used = 0;
    auto code = std::stoll(text.substr(pos, end - pos), &used);
    if (used != end - pos)
      return std::nullopt;
    return code;
  } catch (...) {
    return std::nullopt;
  }
}

bool is_too_much_data(const caf::error& err) {
  if (is(err, ec::timeout))
    return true;
  auto code = node_error_code(err);
  if (!code)
    return false;
  auto text = lower(describe(err));
  static const char* wordings[] = {
    "query returned more than",   // geth/infura: "query returned more than 10000 results"
    "too many",                   // "too many results", "too many logs", "too many blocks"
    "limit exceeded",             // "response size limit exceeded", "query limit exceeded"
    "response size",              // "response size should not greater than..."
    "block range",                // alchemy/erigon: "block range is too wide", "exceed maximum block range"
    "range too large",
    "exceed",                     // "log response size exceeded", "exceeds the maximum"
    "timeout", "timed out",
  };
  for (auto w : wordings)
    if (text.find(w) != std::string::npos)
      return true;
  return *code == -32005; // infura's limit code, also used by nethermind
}

} // namespace lstaked::rpc
