// Browser sessions of the admin console (issue #15, docs/console.md).
//
// Contract: the page logs in by POSTing the admin token once; it gets a
// session id (only ever in an HttpOnly, SameSite=Strict cookie scoped to
// /admin) and a CSRF token (returned in the JSON body, sent back by the page
// as X-CSRF-Token on every POST). Sessions live in memory only (a restart
// logs everyone out), expire `ttl` after login, and are dropped on logout.
// At most `max_sessions` live at once: a new login evicts the oldest. Ids and
// CSRF tokens are 32 random bytes (libsodium), hex; sessions are looked up by
// a hash of the id and CSRF tokens compared in constant time, so timing says
// nothing about either. Thread-safe (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace lstaked::api {

class admin_sessions {
public:
  using clock = std::chrono::steady_clock;
  static constexpr const char* cookie_name = "lstaked_admin";

  explicit admin_sessions(std::chrono::seconds ttl = std::chrono::hours(12),
                          size_t max_sessions = 64);

  struct login {
    std::string id;   // goes into the cookie only
    std::string csrf; // goes to the page
    std::chrono::seconds ttl;
  };
  login create(clock::time_point now = clock::now());

  /// The session's CSRF token if `id` names a live session at `now`.
  std::optional<std::string> csrf_of(const std::string& id, clock::time_point now = clock::now());

  /// Whether `csrf` is the live session's CSRF token (constant time).
  bool csrf_matches(const std::string& id, const std::string& csrf,
                    clock::time_point now = clock::now());

  /// Ends the session (logout); unknown ids are ignored.
  void end(const std::string& id);

  size_t size();

  /// The value of our cookie in a Cookie: header ('' when absent).
  static std::string cookie_from_header(const std::string& cookie_header);
  /// The Set-Cookie value for a login, and the one that deletes it.
  static std::string set_cookie(const login& l);
  static std::string clear_cookie();

private:
  struct session {
    std::string csrf;
    clock::time_point created, expires;
  };
  static std::string key_of(const std::string& id);
  void sweep(clock::time_point now);

  std::chrono::seconds ttl_;
  size_t max_sessions_;
  std::mutex mutex_;
  std::map<std::string, session> sessions_; // by key_of(id)
};

} // namespace lstaked::api
