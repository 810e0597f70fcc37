#include "actors/metrics.hpp"

#include <cassert>
#include <cstdio>
#include <sstream>

namespace lstaked {

histogram_metric::histogram_metric(std::vector<uint64_t> bounds_us)
  : bounds_(std::move(bounds_us)),
    buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0);
}

void histogram_metric::observe_us(uint64_t us) {
  size_t i = 0;
  while (i < bounds_.size() && us > bounds_[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
}

std::vector<uint64_t> default_latency_buckets_us() {
  return {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
          1000000, 2500000, 5000000, 10000000};
}

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string label_key(const metric_labels& labels) {
  std::string out;
  for (auto& [k, v] : labels) {
    out += out.empty() ? "" : ",";
    out += k + "=\"" + escape_label(v) + "\"";
  }
  return out;
}

std::string with_labels(const std::string& key, const std::string& extra = {}) {
  std::string all = key;
  if (!extra.empty())
    all += (all.empty() ? "" : ",") + extra;
  return all.empty() ? "" : "{" + all + "}";
}

std::string seconds(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(us) / 1e6);
  return buf;
}

} // namespace

metrics_registry::family& metrics_registry::family_for(const std::string& name,
                                                       const std::string& type,
                                                       const std::string& help) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  }
  assert(f.type == type && "one metric name, one type");
  return f;
}

counter_metric& metrics_registry::counter(const std::string& name, const std::string& help,
                                          const metric_labels& labels) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& slot = family_for(name, "counter", help).counters[label_key(labels)];
  if (!slot)
    slot = std::make_unique<counter_metric>();
  return *slot;
}

gauge_metric& metrics_registry::gauge(const std::string& name, const std::string& help,
                                      const metric_labels& labels) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& slot = family_for(name, "gauge", help).gauges[label_key(labels)];
  if (!slot)
    slot = std::make_unique<gauge_metric>();
  return *slot;
}

histogram_metric& metrics_registry::histogram(const std::string& name, const std::string& help,
                                              const metric_labels& labels,
                                              std::vector<uint64_t> bounds_us) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& slot = family_for(name, "histogram", help).histograms[label_key(labels)];
  if (!slot)
    slot = std::make_unique<histogram_metric>(std::move(bounds_us));
  return *slot;
}

void metrics_registry::gauge_callback(const std::string& name, const std::string& help,
                                      const metric_labels& labels, std::function<int64_t()> read) {
  std::lock_guard<std::mutex> guard{mutex_};
  family_for(name, "gauge", help).callbacks[label_key(labels)] = std::move(read);
}

std::string metrics_registry::render() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::ostringstream out;
  for (auto& [name, f] : families_) {
    out << "# HELP " << name << ' ' << f.help << "\n# TYPE " << name << ' ' << f.type << '\n';
    for (auto& [labels, c] : f.counters)
      out << name << with_labels(labels) << ' ' << c->value.load() << '\n';
    for (auto& [labels, g] : f.gauges)
      out << name << with_labels(labels) << ' ' << g->value.load() << '\n';
    for (auto& [labels, read] : f.callbacks)
      out << name << with_labels(labels) << ' ' << read() << '\n';
    for (auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < h->bounds_us().size(); ++i) {
        cumulative += h->bucket(i);
        out << name << "_bucket" << with_labels(labels, "le=\"" + seconds(h->bounds_us()[i]) + "\"")
            << ' ' << cumulative << '\n';
      }
      cumulative += h->bucket(h->bounds_us().size());
      out << name << "_bucket" << with_labels(labels, "le=\"+Inf\"") << ' ' << cumulative << '\n';
      out << name << "_sum" << with_labels(labels) << ' ' << seconds(h->sum_us()) << '\n';
      out << name << "_count" << with_labels(labels) << ' ' << h->count() << '\n';
    }
  }
  return out.str();
}

metrics_registry& metrics_registry::global() {
  static metrics_registry registry;
  return registry;
}

} // namespace lstaked
