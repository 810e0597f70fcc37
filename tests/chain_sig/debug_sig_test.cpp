// `lstaked debug ss58 …` / `debug verify` run in process: the JSON on stdout and the exit code.
#include "api/debug_commands.hpp"

#include "vectors.hpp"

#include <sstream>

namespace lstaked::api {
namespace {

using chain::sig::test::load_vectors;

struct outcome {
  int code = -1;
  nlohmann::json out;
};

outcome run(std::vector<std::string> args) {
  CLI::App app{"lstaked"};
  auto* debug = app.add_subcommand("debug");
  add_debug_sig_commands(*debug);
  args.insert(args.begin(), "debug");
  std::reverse(args.begin(), args.end()); // CLI11 parses a reversed vector
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  outcome result;
  try {
    app.parse(args);
    result.code = 0; // no command answered
  } catch (const debug_exit& e) {
    result.code = e.code;
  } catch (const CLI::ParseError&) {
    result.code = 2;
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  if (!out.str().empty())
    result.out = nlohmann::json::parse(out.str());
  return result;
}

TEST(debug_sig, ss58_encode_and_decode) {
  auto v = load_vectors("ss58.json");
  for (const auto& c : v["valid"]) {
    auto enc = run({"ss58", "encode", "--prefix", std::to_string(c["prefix"].get<int>()),
                    c["publicKey"].get<std::string>()});
    ASSERT_EQ(enc.code, 0);
    EXPECT_EQ(enc.out["address"], c["address"]);
    auto dec = run({"ss58", "decode", c["address"].get<std::string>()});
    ASSERT_EQ(dec.code, 0);
    EXPECT_EQ(dec.out["prefix"], c["prefix"]);
    EXPECT_EQ(dec.out["publicKey"], c["publicKey"]);
  }
  auto bad = v["invalid"][0]["address"].get<std::string>();
  EXPECT_EQ(run({"ss58", "decode", bad}).code, 2);
  EXPECT_EQ(run({"ss58", "encode", "--prefix", "2", "0x1234"}).code, 2);
  EXPECT_EQ(run({"ss58", "encode", "--prefix", "99999", v["valid"][0]["publicKey"]}).code, 2);
  EXPECT_EQ(run({"ss58", "encode", v["valid"][0]["publicKey"]}).code, 2); // --prefix missing
}

// --message takes text, or 0x-hex for bytes: text that itself starts with "0x" is given as
// the hex of its bytes.
std::string message_arg(const nlohmann::json& c) {
  auto text = c["messageText"].get<std::string>();
  if (text.rfind("0x", 0) == 0)
    return chain::to_hex(chain::bytes(text.begin(), text.end()));
  return text;
}

TEST(debug_sig, verify_sign_raw_signatures) {
  auto v = load_vectors("sign_raw.json");
  for (auto c : v["cases"]) {
    c["messageText"] = message_arg(c);
    for (const char* who : {"address", "publicKey"}) {
      auto r = run({"verify", "--scheme", c["scheme"], "--public-key", c[who], "--message",
                    c["messageText"], "--signature", c["signature"]});
      bool valid = c["valid"].get<bool>();
      EXPECT_EQ(r.code, valid ? 0 : 1) << c["scheme"] << " " << c["messageText"];
      EXPECT_EQ(r.out["valid"], valid);
    }
    auto other = run({"verify", "--scheme", c["scheme"], "--public-key", c["otherAddress"],
                      "--message", c["messageText"], "--signature", c["signature"]});
    EXPECT_EQ(other.code, 1);
    EXPECT_EQ(other.out["valid"], false);
    auto raw = run({"verify", "--scheme", c["scheme"], "--public-key", c["address"], "--message",
                    c["messageText"], "--signature", c["signature"], "--raw"});
    EXPECT_EQ(raw.out["valid"], c["validUnwrapped"]);
  }
}

TEST(debug_sig, verify_hex_messages_are_bytes) {
  auto v = load_vectors("sr25519.json");
  const auto& c = v["signatures"][0]; // a valid plain signature over hex bytes
  ASSERT_TRUE(c["valid"].get<bool>());
  auto r = run({"verify", "--scheme", "sr25519", "--public-key", c["verifyKey"], "--message",
                c["verifyMessage"], "--signature", c["verifySignature"], "--raw"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out["valid"], true);
}

TEST(debug_sig, verify_bad_usage_exits_2) {
  auto v = load_vectors("sign_raw.json");
  const auto& c = v["cases"][0];
  EXPECT_EQ(run({"verify", "--scheme", "rsa", "--public-key", c["address"], "--message", "x",
                 "--signature", c["signature"]}).code, 2);
  EXPECT_EQ(run({"verify", "--scheme", "sr25519", "--public-key", "nope", "--message", "x",
                 "--signature", c["signature"]}).code, 2);
  EXPECT_EQ(run({"verify", "--scheme", "sr25519", "--public-key", c["address"], "--message", "x",
                 "--signature", "0x12"}).code, 2);
  EXPECT_EQ(run({"verify", "--scheme", "sr25519", "--public-key", c["address"], "--message", "x",
                 "--signature", "zz"}).code, 2);
  EXPECT_EQ(run({"verify", "--scheme", "sr25519", "--message", "x"}).code, 2);
}

} // namespace
} // namespace lstaked::api
