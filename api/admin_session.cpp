#include "api/admin_session.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace lstaked::api {

namespace {

std::string random_hex() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  return std::string(hex, 64);
}

} // namespace

admin_sessions::admin_sessions(std::chrono::seconds ttl, size_t max_sessions)
  : ttl_(ttl), max_sessions_(std::max<size_t>(1, max_sessions)) {
  if (sodium_init() < 0)
    throw std::runtime_error("libsodium failed to initialise");
}

std::string admin_sessions::key_of(const std::string& id) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(id.data()),
                     id.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

void admin_sessions::sweep(clock::time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = it->second.expires <= now ? sessions_.erase(it) : std::next(it);
}

admin_sessions::login admin_sessions::create(clock::time_point now) {
  login l{random_hex(), random_hex(), ttl_};
  std::lock_guard<std::mutex> lock{mutex_};
  sweep(now);
  while (sessions_.size() >= max_sessions_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.created < b.second.created;
    });
    sessions_.erase(oldest);
  }
  sessions_[key_of(l.id)] = session{l.csrf, now, now + ttl_};
  return l;
}

std::optional<std::string> admin_sessions::csrf_of(const std::string& id, clock::time_point now) {
  if (id.empty())
    return std::nullopt;
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = sessions_.find(key_of(id));
  if (it == sessions_.end())
    return std::nullopt;
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.csrf;
}

bool admin_sessions::csrf_matches(const std::string& id, const std::string& csrf,
                                  clock::time_point now) {
  auto expected = csrf_of(id, now);
  if (!expected || csrf.size() != expected->size() || csrf.empty())
    return false;
  return sodium_memcmp(csrf.data(), expected->data(), csrf.size()) == 0;
}

void admin_sessions::end(const std::string& id) {
  std::lock_guard<std::mutex> lock{mutex_};
  sessions_.erase(key_of(id));
}

size_t admin_sessions::size() {
  std::lock_guard<std::mutex> lock{mutex_};
  return sessions_.size();
}

std::string admin_sessions::cookie_from_header(const std::string& header) {
  std::string wanted = std::string(cookie_name) + "=";
  size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(';', pos);
    if (end == std::string::npos)
      end = header.size();
    auto part = header.substr(pos, end - pos);
    auto first = part.find_first_not_of(' ');
    if (first != std::string::npos && part.compare(first, wanted.size(), wanted) == 0)
      return part.substr(first + wanted.size());
    pos = end + 1;
  }
  return {};
}

std::string admin_sessions::set_cookie(const login& l) {
  return std::string(cookie_name) + "=" + l.id + "; HttpOnly; SameSite=Strict; Path=/admin; Max-Age="
         + std::to_string(l.ttl.count());
}

std::string admin_sessions::clear_cookie() {
  return std::string(cookie_name) + "=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0";
}

} // namespace lstaked::api
