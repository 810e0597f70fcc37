// Every chain library compiles this file so that a library is never empty
// while its folder is being filled (CMake refuses a static library with no sources).
namespace lstaked::chain::detail {
int anchor_for(const char*);
} // namespace lstaked::chain::detail
