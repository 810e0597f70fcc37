// `lstaked key ...` through the built binary. Addresses are compared with the
// reference libraries reading the same file (polkadot-js keyring, cast); the
// secret never appears on stdout or stderr; files are 0600 and never
// overwritten; bad input is refused with exit 2 and changes nothing.
#include "tests/support/daemon.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include <sys/stat.h>

using namespace lstaked;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;

struct key_cli : ::testing::Test {
  test::temp_dir dir;

  test::process_result lstaked(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::string line = "'" + test::lstaked_binary() + "'";
    for (auto& a : args)
      line += " '" + a + "'";
    if (!stdin_text.empty())
      line = "printf '%s' '" + stdin_text + "' | " + line;
    else
      line += " < /dev/null";
    return test::run_process({"/bin/sh", "-c", line}, dir.path(), 60s);
  }
  std::string read(const std::string& path) {
    std::ifstream in{path};
    std::stringstream s;
    s << in.rdbuf();
    auto t = s.str();
    while (!t.empty() && t.back() == '\n')
      t.pop_back();
    return t;
  }
  unsigned mode(const std::string& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 0777;
  }
  json keyring(const std::string& type, const std::string& file) {
    auto r = test::run_process({"/usr/bin/env", "node", repo + "/tests/keys/keyring_address.mjs", type, file},
                               dir.path(), 60s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  std::string cast_address(const std::string& file) {
    auto r = test::run_process({repo + "/node_modules/.bin/cast", "wallet", "address", "--private-key",
                                "0x" + read(file)},
                               dir.path(), 60s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
};

} // namespace

TEST_F(key_cli, generated_kusama_keys_are_0600_files_whose_address_polkadot_js_agrees_with) {
  for (std::string scheme : {"sr25519", "ed25519"}) {
    auto file = dir.file(scheme + ".key");
    auto r = lstaked({"key", "generate", "--scheme", scheme, "--out", file});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto printed = json::parse(r.out);
    EXPECT_EQ(mode(file), 0600u);
    auto secret = read(file);
    EXPECT_EQ(secret.size(), 66u) << "0x + a 32-byte seed";
    EXPECT_EQ(r.out.find(secret.substr(2)), std::string::npos) << "the secret was printed";
    EXPECT_EQ(r.err.find(secret.substr(2)), std::string::npos);
    auto want = keyring(scheme, file);
    EXPECT_EQ(printed["address"], want["address"]) << scheme;
    EXPECT_EQ(printed["accountId"], want["accountId"]) << scheme;
    auto again = lstaked({"key", "address", "--scheme", scheme, file});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(json::parse(again.out)["address"], want["address"]);
  }
  // Two keys are never the same.
  auto other = lstaked({"key", "generate", "--out", dir.file("other.key")});
  ASSERT_EQ(other.exit_code, 0);
  EXPECT_NE(read(dir.file("other.key")), read(dir.file("sr25519.key")));
}

TEST_F(key_cli, a_generated_ethereum_key_has_the_address_cast_derives) {
  auto file = dir.file("eth.key");
  auto r = lstaked({"key", "generate", "--scheme", "ethereum", "--out", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode(file), 0600u);
  EXPECT_EQ(read(file).size(), 64u);
  EXPECT_EQ(r.out.find(read(file)), std::string::npos);
  EXPECT_EQ(json::parse(r.out)["address"], cast_address(file));
  auto again = lstaked({"key", "address", "--scheme", "ethereum", file});
  EXPECT_EQ(json::parse(again.out)["address"], cast_address(file));
}

TEST_F(key_cli, import_reads_the_secret_from_stdin_and_never_echoes_it) {
  auto file = dir.file("alice.key");
  auto r = lstaked({"key", "import", "--out", file}, "//Alice");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["address"], "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F");
  EXPECT_EQ(json::parse(r.out)["address"], keyring("sr25519", file)["address"]);
  EXPECT_EQ(r.out.find("//Alice"), std::string::npos);
  EXPECT_EQ(mode(file), 0600u);
  // anvil's well-known account 0.
  auto eth = lstaked({"key", "import", "--scheme", "ethereum", "--out", dir.file("anvil0.key")},
                     "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  ASSERT_EQ(eth.exit_code, 0) << eth.err;
  EXPECT_EQ(json::parse(eth.out)["address"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
}

TEST_F(key_cli, bad_input_is_refused_with_exit_2_and_changes_nothing) {
  auto existing = dir.file("existing.key");
  ASSERT_EQ(lstaked({"key", "generate", "--out", existing}).exit_code, 0);
  auto before = read(existing);
  // Never overwritten, by generate or import.
  auto over = lstaked({"key", "generate", "--out", existing});
  EXPECT_EQ(over.exit_code, 2);
  EXPECT_NE(over.err.find("exists"), std::string::npos) << over.err;
  EXPECT_EQ(lstaked({"key", "import", "--out", existing}, "//Bob").exit_code, 2);
  EXPECT_EQ(read(existing), before);
  // Malformed secrets: not written, not echoed.
  struct bad { std::string scheme, secret; };
  for (auto& b : std::vector<bad>{{"ethereum", "zz"},
                                  {"ethereum", std::string(64, '0')},   // zero is no key
                                  {"ethereum", std::string(64, 'f')},   // above the curve order
                                  {"sr25519", "//Alice/soft"},          // soft junctions refused
                                  {"sr25519", "not a mnemonic at all"},
                                  {"ed25519", "0x1234"}}) {
    auto path = dir.file("bad.key");
    auto r = lstaked({"key", "import", "--scheme", b.scheme, "--out", path}, b.secret);
    EXPECT_EQ(r.exit_code, 2) << b.scheme << " " << b.secret;
    EXPECT_FALSE(std::ifstream{path}.good()) << "written: " << b.secret;
    EXPECT_EQ(r.err.find(b.secret), std::string::npos) << r.err;
  }
  EXPECT_EQ(lstaked({"key", "import", "--out", dir.file("empty.key")}).exit_code, 2);
  EXPECT_EQ(lstaked({"key", "generate", "--scheme", "rsa", "--out", dir.file("rsa.key")}).exit_code, 2);
  // A key file others may read is refused, with the mode and the fix.
  ::chmod(existing.c_str(), 0644);
  auto open = lstaked({"key", "address", existing});
  EXPECT_EQ(open.exit_code, 2);
  EXPECT_NE(open.err.find("0644"), std::string::npos) << open.err;
  EXPECT_EQ(lstaked({"key", "address", dir.file("missing.key")}).exit_code, 2);
}
