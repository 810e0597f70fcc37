// A small Prometheus registry: counters, gauges and histograms with labels.
//
// Contract: thread-safe. `counter()`, `gauge()` and `histogram()` return a
// reference that stays valid for the registry's lifetime, so hot paths look a
// series up once and then only touch atomics. `render()` produces the
// Prometheus text exposition format (version 0.0.4).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lstaked {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

struct counter_metric {
  std::atomic<uint64_t> value{0};
  void inc(uint64_t n = 1) { value.fetch_add(n, std::memory_order_relaxed); }
};

struct gauge_metric {
  std::atomic<int64_t> value{0};
  void set(int64_t v) { value.store(v, std::memory_order_relaxed); }
  void add(int64_t v) { value.fetch_add(v, std::memory_order_relaxed); }
};

/// Latency histogram; observations in microseconds, exposed in seconds.
class histogram_metric {
public:
  explicit histogram_metric(std::vector<uint64_t> bounds_us);
  void observe_us(uint64_t us);
  const std::vector<uint64_t>& bounds_us() const { return bounds_; }
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t sum_us() const { return sum_us_.load(std::memory_order_relaxed); }

private:
  std::vector<uint64_t> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_; // non-cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

/// Default latency buckets: 100 µs … 10 s.
std::vector<uint64_t> default_latency_buckets_us();

class metrics_registry {
public:
  counter_metric& counter(const std::string& name, const std::string& help,
                          const metric_labels& labels = {});
  gauge_metric& gauge(const std::string& name, const std::string& help,
                      const metric_labels& labels = {});
  histogram_metric& histogram(const std::string& name, const std::string& help,
                              const metric_labels& labels = {},
                              std::vector<uint64_t> bounds_us = default_latency_buckets_us());
  /// A gauge computed at scrape time (uptime, queue lengths owned elsewhere).
  void gauge_callback(const std::string& name, const std::string& help,
                      const metric_labels& labels, std::function<int64_t()> read);

  std::string render() const;

  /// The process-wide registry used by the daemon.
  static metrics_registry& global();

private:
  struct family {
    std::string type; // counter | gauge | histogram
    std::string help;
    std::map<std::string, std::unique_ptr<counter_metric>> counters;
    std::map<std::string, std::unique_ptr<gauge_metric>> gauges;
    std::map<std::string, std::unique_ptr<histogram_metric>> histograms;
    std::map<std::string, std::function<int64_t()>> callbacks;
  };
  family& family_for(const std::string& name, const std::string& type, const std::string& help);

  mutable std::mutex mutex_;
  std::map<std::string, family> families_;
};

} // namespace lstaked
