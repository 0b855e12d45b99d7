#include "threads.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <memory>
#include <sstream>
#include <vector>

#include "errors.hpp"

namespace pyinla {

namespace {

ThreadSpec g_spec;
std::unique_ptr<tbb::global_control> g_control;
std::unique_ptr<tbb::task_arena> g_outer;

// Chunk size for observation loops: fixed, so the split never depends on the number of threads.
constexpr int kInnerChunk = 2048;

[[noreturn]] void reject(const std::string& text) {
  throw UsageError("invalid thread specification '" + text +
                   "': expected A, A:B or A:B:C with positive integers (e.g. 4, 4:2, 4:2:1), ':B', 'A:' or ''");
}

}  // namespace

ThreadSpec parse_thread_spec(const std::string& text) {
  // Surrounding white space is ignored; inside, a run of separators is one separator, and a leading or trailing
  // separator marks an empty field (":2" is all CPUs by 2, "4:" is 4:1).
  const auto is_separator = [](char ch) { return ch == ':' || ch == ',' || ch == ' ' || ch == '\t'; };
  const auto first = text.find_first_not_of(" \t");
  const std::string trimmed = first == std::string::npos ? "" : text.substr(first, text.find_last_not_of(" \t") - first + 1);
  std::vector<std::string> fields{""};
  for (std::size_t i = 0; i < trimmed.size(); ++i) {
    if (!is_separator(trimmed[i])) {
      fields.back().push_back(trimmed[i]);
    } else if (i == 0 || !is_separator(trimmed[i - 1])) {
      fields.push_back("");
    }
  }
  if (fields.size() > 3) reject(text);

  std::vector<int> values;
  for (const auto& f : fields) {
    if (f.empty()) {
      values.push_back(0);
      continue;
    }
    if (f.size() > 6 || f.find_first_not_of("0123456789") != std::string::npos) reject(text);
    const int v = std::stoi(f);
    if (v <= 0) reject(text);
    values.push_back(v);
  }

  ThreadSpec spec;
  if (fields.size() == 1 && values[0] == 0) return spec;                      // ""
  if (fields.size() == 2 && values[0] == 0 && values[1] == 0) return spec;  // ":"
  if (fields.size() == 3 && (values[1] == 0 || values[2] == 0)) reject(text);
  spec.outer = values[0] == 0 ? static_cast<int>(tbb::info::default_concurrency()) : values[0];
  spec.inner = values.size() > 1 && values[1] > 0 ? values[1] : 1;
  spec.deepest = values.size() > 2 ? values[2] : 0;
  return spec;
}

std::string to_string(const ThreadSpec& spec) {
  std::ostringstream out;
  out << spec.outer << ":" << spec.inner;
  if (spec.deepest > 0) out << ":" << spec.deepest;
  return out.str();
}

void configure_threads(const ThreadSpec& spec) {
  g_spec = spec;
  g_control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(spec.outer) * spec.inner);
  g_outer = std::make_unique<tbb::task_arena>(spec.outer);
}

void run_outer(int count, const std::function<void(int)>& body) {
  if (!g_outer || g_spec.outer == 1 || count == 1) {
    for (int i = 0; i < count; ++i) body(i);
    return;
  }
  g_outer->execute([&] {
    tbb::parallel_for(tbb::blocked_range<int>(0, count, 1),
                      [&](const tbb::blocked_range<int>& r) {
                        for (int i = r.begin(); i < r.end(); ++i) body(i);
                      },
                      tbb::simple_partitioner());
  });
}

void run_inner(int count, const std::function<void(int, int)>& body) {
  if (g_spec.inner <= 1 || count <= kInnerChunk) {
    body(0, count);
    return;
  }
  // Each evaluation enters its own inner arena; isolate keeps an outer-level task from being picked up by a
  // thread that waits here, which would nest one evaluation inside another.
  tbb::task_arena inner(g_spec.inner);
  inner.execute([&] {
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(tbb::blocked_range<int>(0, count, kInnerChunk),
                        [&](const tbb::blocked_range<int>& r) { body(r.begin(), r.end()); },
                        tbb::simple_partitioner());
    });
  });
}

void run_in_inner_arena(const std::function<void()>& body) {
  if (g_spec.inner <= 1) {
    body();
    return;
  }
  tbb::task_arena inner(g_spec.inner);
  inner.execute([&] { tbb::this_task_arena::isolate(body); });
}

void run_tasks(int count, const std::function<void(int)>& body) {
  if (g_spec.inner <= 1 || count <= 1) {
    for (int k = 0; k < count; ++k) body(k);
    return;
  }
  tbb::task_group group;
  for (int k = 0; k < count; ++k) group.run([&body, k] { body(k); });
  group.wait();
}

}  // namespace pyinla
