// The `lstaked` command line: run, db, config, version (and debug).
#include "api/audit_command.hpp"
#include "api/daemon.hpp"
#include "api/debug_commands.hpp"
#include "api/key_commands.hpp"
#include "api/status_command.hpp"
#include "api/logging.hpp"
#include "api/version.hpp"
#include "actors/children.hpp"
#include "config/config.hpp"
#include "config/secret_file.hpp"
#include "storage/database.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <optional>

using namespace lstaked;

namespace {

struct common_flags {
  std::string config_file;
  std::string data_dir;
  std::string http_listen;
};

// Loads the configuration, printing every problem; nullopt if any.
std::optional<config> load(const common_flags& flags) {
  std::optional<std::string> file;
  if (!flags.config_file.empty())
    file = flags.config_file;
  std::map<std::string, std::string> overrides;
  if (!flags.data_dir.empty())
    overrides["data_dir"] = flags.data_dir;
  if (!flags.http_listen.empty())
    overrides["http.listen"] = flags.http_listen;
  auto result = load_config(file, [](const char* name) { return std::getenv(name); }, overrides);
  for (auto& p : result.problems)
    std::cerr << "error: config " << p.key << ": " << p.message << "\n";
  if (!result.ok())
    return std::nullopt;
  return result.value;
}

void add_config_flags(CLI::App* cmd, common_flags& flags, bool with_http) {
  cmd->add_option("--config", flags.config_file, "TOML configuration file")
    ->check(CLI::ExistingFile);
  cmd->add_option("--data-dir", flags.data_dir, "Data directory (overrides data_dir)");
  if (with_http)
    cmd->add_option("--http-listen", flags.http_listen,
                    "HOST:PORT of the HTTP API (overrides http.listen)");
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"lstaked — liquid-staking backend for Kusama"};
  app.require_subcommand(1);
  common_flags flags;
  int exit_code = 0;

  auto version = app.add_subcommand("version", "Print the version");
  version->callback([] { std::cout << "lstaked " << api::version_string() << "\n"; });

  auto run = app.add_subcommand("run", "Start the daemon (actors, storage, HTTP API)");
  add_config_flags(run, flags, true);
  run->callback([&] {
    auto cfg = load(flags);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    api::setup_logging(cfg->log.level, cfg->log.format);
    exit_code = api::run_daemon(*cfg);
  });

  auto db = app.add_subcommand("db", "Database maintenance");
  db->require_subcommand(1);
  auto migrate = db->add_subcommand("migrate", "Create the database if needed and apply migrations");
  add_config_flags(migrate, flags, false);
  migrate->callback([&] {
    auto cfg = load(flags);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    api::setup_logging("warn", cfg->log.format);
    if (auto err = prepare_data_dir(cfg->data_dir)) {
      std::cerr << "error: " << describe(err) << "\n";
      exit_code = 1;
      return;
    }
    auto version = api::prepare_database(*cfg);
    if (!version) {
      std::cerr << "error: " << describe(version.error()) << "\n";
      exit_code = 1;
      return;
    }
    std::cout << cfg->database_path() << ": schema " << *version << " (latest "
              << sql::latest_schema_version() << ")\n";
  });
  auto check = db->add_subcommand("check", "Report schema version and run the integrity check");
  add_config_flags(check, flags, false);
  check->callback([&] {
    auto cfg = load(flags);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    api::setup_logging("warn", cfg->log.format);
    auto handle = sql::open_database(cfg->database_path(), sql::open_mode::read_only);
    if (!handle) {
      std::cerr << "error: " << describe(handle.error()) << "\n";
      exit_code = 1;
      return;
    }
    auto version = sql::schema_version(**handle);
    auto integrity = sql::integrity_check(**handle);
    std::cout << cfg->database_path() << ": schema " << (version ? *version : -1) << " of "
              << sql::latest_schema_version() << ", integrity "
              << (integrity ? describe(integrity) : "ok") << "\n";
    if (integrity || !version)
      exit_code = 1;
    else if (*version < sql::latest_schema_version()) {
      std::cerr << "error: schema is behind; run `lstaked db migrate`\n";
      exit_code = 1;
    }
  });

  auto cfg_cmd = app.add_subcommand("config", "Configuration tools");
  cfg_cmd->require_subcommand(1);
  auto cfg_check = cfg_cmd->add_subcommand("check", "Validate a TOML file; print every error");
  std::string check_file;
  cfg_check->add_option("file", check_file, "TOML file")->required();
  cfg_check->callback([&] {
    auto result = load_config(check_file, [](const char*) -> const char* { return nullptr; }, {});
    for (auto& p : result.problems)
      std::cerr << "error: config " << p.key << ": " << p.message << "\n";
    if (!result.ok()) {
      exit_code = 1;
      return;
    }
    // What start-up checks next: every key file (present, 0600, a valid key,
    // the account it is configured for) and every address of each role.
    if (auto roles = children(result.value); !roles) {
      std::cerr << "error: " << describe(roles.error()) << "\n";
      exit_code = 1;
      return;
    }
    std::cout << check_file << ": ok (keys and addresses too)\n";
    exit_code = 0;
  });
  auto cfg_keys = cfg_cmd->add_subcommand("keys", "Print every key with default and meaning");
  cfg_keys->callback([] { std::cout << config_reference_markdown(); });

  api::add_key_commands(app);

  auto status = app.add_subcommand("status", "Ask the running daemon how it is (exit 0 ok, "
                                             "1 unhealthy, 2 unreachable)");
  add_config_flags(status, flags, true);
  std::string status_url;
  bool status_json = false;
  status->add_option("--url", status_url, "http://HOST:PORT of the daemon (default: http.listen)");
  status->add_flag("--json", status_json, "Print the status document as JSON");
  status->callback([&] {
    auto cfg = load(flags);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    exit_code = api::run_status_command(*cfg, status_url, status_json, std::cout, std::cerr);
  });

  auto audit = app.add_subcommand("audit", "Reconcile the database with both chains; print every "
                                           "discrepancy (exit 0 clean, 1 discrepancies, 2 could not run)");
  add_config_flags(audit, flags, false);
  api::audit_options audit_opts;
  audit->add_flag("--json", audit_opts.as_json, "Print one JSON document");
  audit->callback([&] {
    auto cfg = load(flags);
    if (!cfg) {
      exit_code = 2;
      return;
    }
    api::setup_logging("warn", cfg->log.format);
    exit_code = api::run_audit_command(*cfg, audit_opts, std::cout, std::cerr);
  });

  auto debug = app.add_subcommand("debug", "Codec checks for operators (JSON on stdout; "
                                          "exit 0 yes, 1 no, 2 bad input)");
  debug->require_subcommand(1);
  api::add_debug_sig_commands(*debug);
  api::add_debug_substrate_commands(*debug);
  api::add_debug_ethereum_commands(*debug);
  api::add_debug_routes_command(*debug);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2; // bad usage
  } catch (const api::debug_exit& e) {
    return e.code;
  }
  return exit_code;
}
