// Configuration: defaults, precedence, and one clear error per bad key.
#include "config/config.hpp"
#include "config/secret_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>

using namespace lstaked;

namespace {

const char* no_env(const char*) {
  return nullptr;
}

std::string write(const test::temp_dir& dir, const std::string& name, const std::string& text) {
  auto path = dir.file(name);
  std::ofstream{path} << text;
  return path;
}

bool has_problem(const config_result& r, const std::string& key, const std::string& fragment) {
  for (auto& p : r.problems)
    if (p.key.find(key) != std::string::npos && p.message.find(fragment) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST(config, defaults_without_a_file_bind_to_loopback) {
  auto r = load_config(std::nullopt, no_env, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.http.host, "127.0.0.1");
  EXPECT_EQ(r.value.http.port, 8645);
  EXPECT_EQ(r.value.data_dir, "./lstaked-data");
  EXPECT_EQ(r.value.database_path(), "./lstaked-data/lstaked.sqlite");
  EXPECT_EQ(r.value.admin_token_path(), "./lstaked-data/admin.token");
}

TEST(config, file_then_env_then_flags) {
  test::temp_dir dir;
  auto file = write(dir, "c.toml", R"(
data_dir = "/var/lib/a"
[http]
listen = "127.0.0.1:9000"
threads = 4
[log]
level = "debug"
)");
  std::map<std::string, std::string> env = {{"LSTAKED_HTTP_THREADS", "16"},
                                             {"LSTAKED_DATA_DIR", "/var/lib/b"}};
  auto lookup = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto r = load_config(file, lookup, {{"data_dir", "/var/lib/c"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.http.port, 9000);       // file
  EXPECT_EQ(r.value.log.level, "debug");    // file
  EXPECT_EQ(r.value.http.threads, 16u);     // env beats file
  EXPECT_EQ(r.value.data_dir, "/var/lib/c"); // flag beats env
}

TEST(config, every_error_is_reported_with_its_key) {
  test::temp_dir dir;
  auto file = write(dir, "c.toml", R"(
colour = "blue"
[http]
threads = 0
listen = "nowhere"
[log]
level = "loud"
format = 3
[kusama]
rpc_url = "ftp://x"
)");
  auto r = load_config(file, no_env, {});
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(has_problem(r, "colour", "unknown key"));
  EXPECT_TRUE(has_problem(r, "http.threads", "between 1 and 1024"));
  EXPECT_TRUE(has_problem(r, "http.listen", "HOST:PORT"));
  EXPECT_TRUE(has_problem(r, "log.level", "not one of"));
  EXPECT_TRUE(has_problem(r, "log.format", "expected a string"));
  EXPECT_TRUE(has_problem(r, "kusama.rpc_url", "URL"));
  EXPECT_EQ(r.problems.size(), 6u);
}

TEST(config, malformed_toml_names_file_line_and_column) {
  test::temp_dir dir;
  auto file = write(dir, "bad.toml", "[http\nlisten = 1\n");
  auto r = load_config(file, no_env, {});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].key.find("bad.toml:1:"), std::string::npos) << r.problems[0].key;
}

TEST(config, bad_env_value_names_the_variable) {
  auto r = load_config(std::nullopt,
                       [](const char* n) -> const char* {
                         return std::string{n} == "LSTAKED_HTTP_LISTEN" ? "127.0.0.1:99999" : nullptr;
                       },
                       {});
  EXPECT_TRUE(has_problem(r, "LSTAKED_HTTP_LISTEN", "65535"));
}

TEST(config, negative_integers_are_refused) {
  test::temp_dir dir;
  auto r = load_config(write(dir, "c.toml", "[http]\nthreads = -1\n"), no_env, {});
  EXPECT_TRUE(has_problem(r, "http.threads", "negative"));
}

TEST(config, every_key_is_documented_and_has_an_env_name) {
  for (auto& k : config_keys()) {
    EXPECT_FALSE(k.doc.empty()) << k.key;
    EXPECT_EQ(k.env.rfind("LSTAKED_", 0), 0u) << k.key;
  }
  auto md = config_reference_markdown();
  for (auto& k : config_keys())
    EXPECT_NE(md.find("`" + k.key + "`"), std::string::npos) << k.key;
}

TEST(secret_file, world_readable_is_refused_with_the_mode) {
  test::temp_dir dir;
  auto path = dir.file("token");
  ASSERT_FALSE(create_secret_file(path, "0123456789abcdef0123"));
  auto ok = read_secret_file(path);
  ASSERT_TRUE(ok) << describe(ok.error());
  EXPECT_EQ(*ok, "0123456789abcdef0123");
  ::chmod(path.c_str(), 0644);
  auto refused = read_secret_file(path);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(is(refused.error(), ec::insecure_permissions));
  EXPECT_NE(describe(refused.error()).find("0644"), std::string::npos);
}

TEST(secret_file, create_never_overwrites) {
  test::temp_dir dir;
  auto path = dir.file("token");
  ASSERT_FALSE(create_secret_file(path, "first-secret-value"));
  EXPECT_TRUE(create_secret_file(path, "second"));
  EXPECT_EQ(*read_secret_file(path), "first-secret-value");
}

TEST(data_dir, a_path_below_a_file_is_refused) {
  test::temp_dir dir;
  auto file = write(dir, "plain", "x");
  auto err = prepare_data_dir(file + "/data");
  ASSERT_TRUE(err);
  EXPECT_TRUE(is(err, ec::io_error));
}

TEST(config, readme_documents_every_key) {
  std::ifstream in{std::string{LSTAKED_SOURCE_DIR} + "/README.md"};
  std::stringstream readme;
  readme << in.rdbuf();
  for (auto& k : config_keys())
    EXPECT_NE(readme.str().find("| `" + k.key + "` |"), std::string::npos)
      << k.key << " is missing from README.md (paste `lstaked config keys`)";
}

// Addresses from @polkadot/keyring: //Alice and //Bob with Kusama's prefix 2, //Alice with Polkadot's 0.
constexpr const char* alice_ksm = "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F";
constexpr const char* bob_ksm = "FoQJpPyadYccjavVdTWxpxU7rUEaYhfLCPwXgkfD6Zat9QP";
constexpr const char* alice_dot = "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5";

TEST(config, kusama_deposit_keys_from_toml_and_env) {
  test::temp_dir dir;
  auto file = write(dir, "k.toml",
                    std::string{"[kusama]\ndeposit_address = \""} + alice_ksm
                      + "\"\nminimum_deposit = \"0.5\"\nstart_block = 7\n"
                        "pool_accounts = [\"" + bob_ksm + "\", \"" + alice_ksm + "\"]\n");
  auto r = load_config(file, no_env, {});
  ASSERT_TRUE(r.ok()) << r.problems.front().key << ": " << r.problems.front().message;
  EXPECT_EQ(r.value.kusama.deposit_address, alice_ksm);
  EXPECT_EQ(r.value.kusama.minimum_deposit, "0.5");
  EXPECT_EQ(r.value.kusama.start_block, 7u);
  EXPECT_EQ(r.value.kusama.pool_accounts, (std::vector<std::string>{bob_ksm, alice_ksm}));

  std::string list = std::string{bob_ksm} + "," + alice_ksm;
  auto env = [&](const char* name) -> const char* {
    return std::string{name} == "LSTAKED_KUSAMA_POOL_ACCOUNTS" ? list.c_str() : nullptr;
  };
  auto e = load_config(std::nullopt, env, {});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.value.kusama.pool_accounts, (std::vector<std::string>{bob_ksm, alice_ksm}));
  EXPECT_TRUE(e.value.kusama.deposit_address.empty()); // deposits off by default
}

TEST(config, kusama_addresses_and_minimum_are_checked) {
  test::temp_dir dir;
  std::string bad_checksum = alice_ksm;
  bad_checksum.back() = bad_checksum.back() == 'F' ? 'G' : 'F';
  auto file = write(dir, "k.toml",
                    "[kusama]\ndeposit_address = \"" + bad_checksum
                      + "\"\nminimum_deposit = \"1.0000000000001\"\npool_accounts = [\""
                      + alice_dot + "\"]\n");
  auto r = load_config(file, no_env, {});
  EXPECT_TRUE(has_problem(r, "kusama.deposit_address", bad_checksum));
  EXPECT_TRUE(has_problem(r, "kusama.pool_accounts", alice_dot)); // Polkadot prefix on Kusama
  EXPECT_TRUE(has_problem(r, "kusama.minimum_deposit", ""));

  auto zero = load_config(std::nullopt, no_env, {{"kusama.minimum_deposit", "0"}});
  EXPECT_TRUE(has_problem(zero, "kusama.minimum_deposit", "positive"));
  auto not_array = write(dir, "a.toml", "[kusama]\npool_accounts = \"x\"\n");
  EXPECT_TRUE(has_problem(load_config(not_array, no_env, {}), "kusama.pool_accounts", "array"));
  auto mixed = write(dir, "m.toml", "[kusama]\npool_accounts = [\"a\", 3]\n");
  EXPECT_TRUE(has_problem(load_config(mixed, no_env, {}), "kusama.pool_accounts", "array"));
}

TEST(config, a_ratio_fee_below_zero_or_above_100_percent_is_refused) {
  test::temp_dir dir;
  auto negative = load_config(write(dir, "n.toml", "[ratio]\nfee_bps = -1\n"), no_env, {});
  EXPECT_FALSE(negative.ok());
  EXPECT_TRUE(has_problem(negative, "ratio.fee_bps", "negative"));
  auto above = load_config(write(dir, "a.toml", "[ratio]\nfee_bps = 10001\n"), no_env, {});
  EXPECT_FALSE(above.ok());
  EXPECT_TRUE(has_problem(above, "ratio.fee_bps", "between 0 and 10000"));
  auto text = load_config(write(dir, "t.toml", "[ratio]\nfee_bps = \"2%\"\n"), no_env, {});
  EXPECT_FALSE(text.ok());
  EXPECT_TRUE(has_problem(text, "ratio.fee_bps", "expected"));
  auto whole = load_config(write(dir, "w.toml", "[ratio]\nfee_bps = 10000\n"), no_env, {});
  EXPECT_TRUE(whole.ok());
  EXPECT_EQ(whole.value.ratio.fee_bps, 10000u);
}

// Kusama keeps the last BlockHashCount (4096) block hashes: an era longer than
// that outlives its birth block's hash, and the extrinsic turns invalid while
// the daemon still waits for its era to end before re-signing the nonce.
TEST(config, a_mortality_beyond_the_block_hash_count_is_refused) {
  test::temp_dir dir;
  auto beyond = load_config(write(dir, "b.toml", "[staking]\nmortality_blocks = 8192\n"), no_env, {});
  EXPECT_FALSE(beyond.ok());
  EXPECT_TRUE(has_problem(beyond, "staking.mortality_blocks", "between 4 and 4096"));
  auto most = load_config(write(dir, "m.toml", "[staking]\nmortality_blocks = 4096\n"), no_env, {});
  EXPECT_TRUE(most.ok());
}
