// Admin console sessions (api/admin_session.hpp): a login gives a session id
// and a CSRF token; a session expires, ends on logout, and the oldest is
// evicted beyond the bound; the cookie carries HttpOnly, SameSite=Strict and
// Path=/admin.
#include "api/admin_session.hpp"

#include <gtest/gtest.h>

using namespace lstaked::api;
using namespace std::chrono_literals;

TEST(admin_sessions, a_login_is_live_until_it_expires) {
  admin_sessions s{10s};
  auto t0 = admin_sessions::clock::time_point{} + 1000s;
  auto l = s.create(t0);
  EXPECT_EQ(l.id.size(), 64u);
  EXPECT_EQ(l.csrf.size(), 64u);
  EXPECT_NE(l.id, l.csrf);
  EXPECT_EQ(s.csrf_of(l.id, t0 + 9s), l.csrf);
  EXPECT_TRUE(s.csrf_matches(l.id, l.csrf, t0 + 9s));
  EXPECT_FALSE(s.csrf_matches(l.id, "", t0 + 9s));
  EXPECT_FALSE(s.csrf_matches(l.id, l.id, t0 + 9s));
  EXPECT_FALSE(s.csrf_of(l.id, t0 + 10s));
  EXPECT_FALSE(s.csrf_matches(l.id, l.csrf, t0 + 1s)); // expired sessions are gone
}

TEST(admin_sessions, logout_ends_the_session_and_unknown_ids_are_refused) {
  admin_sessions s;
  auto l = s.create();
  EXPECT_FALSE(s.csrf_of(""));
  EXPECT_FALSE(s.csrf_of(std::string(64, 'a')));
  s.end(l.id);
  EXPECT_FALSE(s.csrf_of(l.id));
  EXPECT_EQ(s.size(), 0u);
}

TEST(admin_sessions, the_oldest_session_is_evicted_beyond_the_bound) {
  admin_sessions s{3600s, 2};
  auto t0 = admin_sessions::clock::time_point{} + 1000s;
  auto a = s.create(t0), b = s.create(t0 + 1s), c = s.create(t0 + 2s);
  EXPECT_FALSE(s.csrf_of(a.id, t0 + 3s));
  EXPECT_TRUE(s.csrf_of(b.id, t0 + 3s));
  EXPECT_TRUE(s.csrf_of(c.id, t0 + 3s));
}

TEST(admin_sessions, the_cookie_is_http_only_same_site_strict_and_scoped_to_admin) {
  admin_sessions s{3600s};
  auto l = s.create();
  auto cookie = admin_sessions::set_cookie(l);
  EXPECT_NE(cookie.find("lstaked_admin=" + l.id), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/admin"), std::string::npos);
  EXPECT_EQ(admin_sessions::cookie_from_header("a=1; lstaked_admin=xyz; b=2"), "xyz");
  EXPECT_EQ(admin_sessions::cookie_from_header("lstaked_admin=q"), "q");
  EXPECT_EQ(admin_sessions::cookie_from_header("x_lstaked_admin=q"), "");
  EXPECT_EQ(admin_sessions::cookie_from_header(""), "");
}
