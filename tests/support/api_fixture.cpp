#include "tests/support/api_fixture.hpp"

#include "storage/database.hpp"

namespace lstaked::test {

in_process_app::in_process_app(supervisor_config cfg,
                               const std::function<void(caf::actor_system_config&)>& tune) {
  sys_cfg_.set("logger.verbosity", caf::atom("quiet"));
  if (tune)
    tune(sys_cfg_);
  sys_ = std::make_unique<caf::actor_system>(sys_cfg_);
  sup_ = sys_->spawn(lstaked::supervisor, std::move(cfg));
}

in_process_app::~in_process_app() {
  if (server_)
    server_->stop();
  caf::anon_send_exit(sup_, caf::exit_reason::user_shutdown);
  sys_.reset(); // waits for every actor
}

caf::expected<storage_actor> in_process_app::storage() {
  caf::scoped_actor self{*sys_};
  storage_actor storage;
  caf::error failed;
  self->request(sup_, caf::infinite, storage_atom_v)
    .receive([&](storage_actor s) { storage = std::move(s); },
             [&](caf::error& err) { failed = std::move(err); });
  if (failed)
    return failed;
  return storage;
}

caf::error in_process_app::write(std::function<void(SQLite::Database&)> f, const std::string& what) {
  auto storage = this->storage();
  if (!storage)
    return storage.error();
  caf::scoped_actor self{*sys_};
  caf::error out;
  self->request(*storage, caf::infinite, write_atom_v, write_task{what, sql::durability::full, std::move(f)})
    .receive([](uint64_t) {}, [&](caf::error& err) { out = std::move(err); });
  return out;
}

caf::expected<uint16_t> in_process_app::serve(const http_config& http,
                                              const std::function<void(api::http_server&)>& add_routes) {
  server_ = std::make_unique<api::http_server>(http);
  add_routes(*server_);
  return server_->start();
}

supervisor_config api_fixture::actors_config() const {
  supervisor_config cfg;
  cfg.storage.path = db_path();
  return cfg;
}

void api_fixture::start_actors(supervisor_config cfg) {
  app = std::make_unique<in_process_app>(std::move(cfg));
  sys = &app->system();
  sup = app->supervisor();
}

caf::expected<uint16_t> api_fixture::serve(const http_config& http,
                                           const std::function<void(api::http_server&)>& add_routes) {
  auto bound = app->serve(http, add_routes);
  if (bound) {
    port = *bound;
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_tcp_nodelay(true);
  }
  return bound;
}

void api_fixture::write(std::function<void(SQLite::Database&)> f) {
  auto err = app->write(std::move(f));
  ASSERT_FALSE(err) << describe(err);
}

void api_fixture::TearDown() {
  if (client)
    client->stop(); // an idle keep-alive connection would hold the server's stop() for its timeout
  app.reset();
}

} // namespace lstaked::test
