// The supervisor's table of roles comes from the configuration alone: each
// section switches its roles on, and a bad value stops start-up with its key.
#include "actors/children.hpp"
#include "chain/sig/keypair.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>

using namespace lstaked;

namespace {

std::vector<std::string> names(const std::vector<child_spec>& specs) {
  std::vector<std::string> out;
  for (auto& s : specs)
    out.push_back(s.name);
  return out;
}

// The dev account //Alice in Kusama form (prefix 2) and in Polkadot form below.
constexpr const char* kusama_address = "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F";
constexpr const char* pool = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
constexpr const char* token = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

// Claims configured with anvil's dev key 1 as the notary key, in a file of `mode`.
config claims_config(const test::temp_dir& dir, mode_t mode) {
  auto key = dir.file("notary.key");
  {
    std::ofstream out{key};
    out << "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n";
  }
  ::chmod(key.c_str(), mode);
  config cfg;
  cfg.ethereum.pool_address = pool;
  cfg.ethereum.token_address = token;
  cfg.claims.notary_key_file = key;
  return cfg;
}

} // namespace

TEST(children_table, defaults_start_no_role_besides_storage) {
  auto specs = children(config{});
  ASSERT_TRUE(specs) << describe(specs.error());
  EXPECT_TRUE(specs->empty());
}

TEST(children_table, a_deposit_address_starts_the_kusama_watcher_and_lookup) {
  config cfg;
  cfg.kusama.deposit_address = kusama_address;
  auto specs = children(cfg);
  ASSERT_TRUE(specs) << describe(specs.error());
  EXPECT_EQ(names(*specs), (std::vector<std::string>{"kusama_watcher", "kusama_lookup"}));
  for (auto& s : *specs)
    EXPECT_FALSE(s.config_error) << s.name << ": " << describe(s.config_error);
  EXPECT_EQ((*specs)[0].storage, storage_use::restart);
  EXPECT_EQ((*specs)[1].storage, storage_use::none);
}

TEST(children_table, a_pool_starts_the_ethereum_watcher_and_a_key_the_notary_and_its_guard) {
  test::temp_dir dir;
  auto specs = children(claims_config(dir, 0600));
  ASSERT_TRUE(specs) << describe(specs.error());
  // The guard first: the notary signs only after it has read the pool's notary set.
  EXPECT_EQ(names(*specs),
            (std::vector<std::string>{"notary_set_guard", "notary", "eth_watcher"}));
  EXPECT_EQ((*specs)[0].storage, storage_use::restart);
  EXPECT_TRUE((*specs)[1].receives_eth_head);
  EXPECT_EQ((*specs)[1].storage, storage_use::notify);
  EXPECT_EQ((*specs)[2].storage, storage_use::restart);
}

TEST(children_table, a_key_file_readable_by_others_stops_start_up) {
  test::temp_dir dir;
  auto specs = children(claims_config(dir, 0644));
  ASSERT_FALSE(specs);
  EXPECT_TRUE(is(specs.error(), ec::insecure_permissions)) << describe(specs.error());
}

TEST(children_table, a_pool_account_of_another_network_stops_start_up) {
  config cfg;
  cfg.kusama.deposit_address = kusama_address;
  // //Alice again, in Polkadot form (prefix 0).
  cfg.kusama.pool_accounts = {"15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"};
  auto specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_TRUE(is(specs.error(), ec::invalid_config)) << describe(specs.error());
}

TEST(children_table, every_extra_notary_key_must_load_and_none_twice) {
  test::temp_dir dir;
  auto cfg = claims_config(dir, 0600);
  cfg.claims.notary_key_files = {dir.file("missing.key")};
  auto missing = children(cfg);
  ASSERT_FALSE(missing);
  EXPECT_NE(describe(missing.error()).find("missing.key"), std::string::npos)
    << describe(missing.error());
  cfg.claims.notary_key_files = {cfg.claims.notary_key_file};
  auto same = children(cfg);
  ASSERT_TRUE(same) << "the same file named twice is one key: " << describe(same.error());
  auto copy = dir.file("copy.key");
  {
    std::ofstream out{copy};
    out << "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n";
  }
  ::chmod(copy.c_str(), 0600);
  cfg.claims.notary_key_files = {copy};
  auto twice = children(cfg);
  ASSERT_FALSE(twice) << "one key in two files";
  EXPECT_TRUE(is(twice.error(), ec::invalid_config)) << describe(twice.error());
}

namespace {

std::string key_file(const test::temp_dir& dir, const std::string& name, const std::string& uri,
                     mode_t mode = 0600) {
  auto path = dir.file(name);
  {
    std::ofstream out{path};
    out << uri << "\n";
  }
  ::chmod(path.c_str(), mode);
  return path;
}

std::string address_of(const std::string& uri) {
  return chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri)->address(2);
}

// The operator's keys: //Ferdie deposits, //Eve is a stash with its own key,
// //Charlie a stash behind the Staking proxy //Ferdie//hot.
config staking_config(const test::temp_dir& dir) {
  config cfg;
  cfg.kusama.deposit_address = address_of("//Ferdie");
  cfg.staking.deposit_key_file = key_file(dir, "deposit.key", "//Ferdie");
  cfg.staking.stashes = {address_of("//Eve"), address_of("//Charlie")};
  cfg.staking.stash_key_files = {key_file(dir, "eve.key", "//Eve"),
                                 key_file(dir, "hot.key", "//Ferdie//hot")};
  cfg.staking.proxied_stashes = {address_of("//Charlie")};
  cfg.staking.validators = {address_of("//Alice//stash"), address_of("//Bob//stash")};
  return cfg;
}

} // namespace

TEST(children_table, staking_keys_start_the_submitter_the_bond_manager_and_the_payout_queue) {
  test::temp_dir dir;
  auto specs = children(staking_config(dir));
  ASSERT_TRUE(specs) << describe(specs.error());
  EXPECT_EQ(names(*specs), (std::vector<std::string>{"kusama_watcher", "kusama_lookup",
                                                     "kusama_submitter", "bond_manager",
                                                     "payout_queue"}));
  for (auto& s : *specs)
    EXPECT_FALSE(s.config_error) << s.name << ": " << describe(s.config_error);
}

TEST(children_table, a_staking_key_file_readable_by_others_stops_start_up_naming_the_key) {
  test::temp_dir dir;
  auto cfg = staking_config(dir);
  cfg.staking.deposit_key_file = key_file(dir, "open.key", "//Ferdie", 0644);
  auto specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_TRUE(is(specs.error(), ec::insecure_permissions)) << describe(specs.error());
  EXPECT_NE(describe(specs.error()).find("staking.deposit_key_file"), std::string::npos);
  cfg.staking.deposit_key_file = dir.file("absent.key");
  specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_NE(describe(specs.error()).find("staking.deposit_key_file"), std::string::npos);
}

TEST(children_table, a_key_that_is_not_its_accounts_stops_start_up) {
  test::temp_dir dir;
  auto cfg = staking_config(dir);
  cfg.staking.deposit_key_file = key_file(dir, "wrong.key", "//Eve");
  auto specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_NE(describe(specs.error()).find("not the one of kusama.deposit_address"), std::string::npos)
    << describe(specs.error());
  cfg = staking_config(dir);
  cfg.staking.proxied_stashes.clear(); // //Ferdie//hot is then taken as //Charlie's own key
  specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_NE(describe(specs.error()).find("staking.stash_key_files[1]"), std::string::npos)
    << describe(specs.error());
  cfg = staking_config(dir);
  cfg.staking.stash_key_files[1] = key_file(dir, "charlie.key", "//Charlie"); // proxied, own key
  specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_NE(describe(specs.error()).find("proxied"), std::string::npos) << describe(specs.error());
  // A key file that holds no secret URI says so without quoting it.
  cfg = staking_config(dir);
  cfg.staking.stash_key_files[0] = key_file(dir, "junk.key", "not a secret uri at all");
  specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_EQ(describe(specs.error()).find("not a secret uri"), std::string::npos)
    << describe(specs.error());
}

TEST(children_table, an_unknown_validator_address_stops_start_up) {
  test::temp_dir dir;
  auto cfg = staking_config(dir);
  cfg.staking.validators.push_back("5NotAnAddress");
  auto specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_TRUE(is(specs.error(), ec::invalid_config));
  EXPECT_NE(describe(specs.error()).find("5NotAnAddress"), std::string::npos)
    << describe(specs.error());
}

TEST(children_table, an_operator_key_starts_the_ethereum_submitter_and_a_bad_one_stops_start_up) {
  test::temp_dir dir;
  auto path = dir.file("operator.key");
  {
    std::ofstream out{path};
    out << "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n";
  }
  ::chmod(path.c_str(), 0600);
  config cfg;
  cfg.ethereum.operator_key_file = path;
  auto specs = children(cfg);
  ASSERT_TRUE(specs) << describe(specs.error());
  EXPECT_EQ(names(*specs), (std::vector<std::string>{"eth_submitter"}));
  EXPECT_FALSE((*specs)[0].config_error) << describe((*specs)[0].config_error);
  EXPECT_EQ((*specs)[0].storage, storage_use::restart);
  ::chmod(path.c_str(), 0644);
  auto open_key = children(cfg);
  ASSERT_FALSE(open_key);
  EXPECT_TRUE(is(open_key.error(), ec::insecure_permissions)) << describe(open_key.error());
  {
    std::ofstream out{path};
    out << "not a key\n";
  }
  ::chmod(path.c_str(), 0600);
  auto garbage = children(cfg);
  ASSERT_FALSE(garbage);
  EXPECT_TRUE(is(garbage.error(), ec::invalid_config)) << describe(garbage.error());
  EXPECT_NE(describe(garbage.error()).find("ethereum.operator_key_file"), std::string::npos);
}

TEST(children_table, a_missing_operator_key_file_stops_start_up_and_names_it) {
  test::temp_dir dir;
  config cfg;
  cfg.ethereum.operator_key_file = dir.file("no-such.key");
  auto specs = children(cfg);
  ASSERT_FALSE(specs);
  EXPECT_NE(describe(specs.error()).find("no-such.key"), std::string::npos) << describe(specs.error());
}
