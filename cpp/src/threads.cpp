#include "threads.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <sstream>
#include <vector>

#include "errors.hpp"

namespace pyinla {

namespace {

ThreadSpec g_spec;
std::unique_ptr<tbb::global_control> g_control;
std::unique_ptr<tbb::task_arena> g_outer;

// The inner arena of the calling thread: each outer thread runs one evaluation at a time, so it keeps one arena
// of B threads (and one of C threads) for all its evaluations instead of building one per parallel loop.
tbb::task_arena& thread_arena(int concurrency) {
  thread_local std::vector<std::unique_ptr<tbb::task_arena>> arenas;
  for (auto& arena : arenas)
    if (arena->max_concurrency() == concurrency) return *arena;
  arenas.push_back(std::make_unique<tbb::task_arena>(concurrency));
  arenas.back()->initialize();
  return *arenas.back();
}

// Chunk size for observation loops: fixed, so the split never depends on the number of threads.
constexpr int kInnerChunk = 2048;

// Upper bound of each count, to catch typos such as 40000 for 4.
constexpr int kMaxThreads = 1024;

[[noreturn]] void reject(const std::string& text) {
  throw UsageError("invalid thread specification '" + text +
                   "': expected A, A:B or A:B:C with counts from 1 to 1024 separated by colons, commas, spaces or "
                   "tabs (e.g. 4, 4:2, 4:2:1), ':B' for all CPUs by B, 'A:' for A:1, or '' or ':' for 16:1");
}

}  // namespace

ThreadSpec parse_thread_spec(const std::string& text) {
  // Spaces, tabs, commas and colons are interchangeable, and a run of them is one separator. A leading separator
  // leaves the outer count out (":2" is all CPUs by 2); a trailing one leaves the next count out ("4:" is 4:1).
  const auto is_separator = [](char ch) { return ch == ':' || ch == ',' || ch == ' ' || ch == '\t'; };
  std::vector<std::string> fields{""};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_separator(text[i])) {
      fields.back().push_back(text[i]);
    } else if (i == 0 || !is_separator(text[i - 1])) {
      fields.push_back("");
    }
  }
  // Surrounding white space is not a separator of fields.
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return ThreadSpec{};
  if (text[first] != ':' && text[first] != ',' && fields.front().empty()) fields.erase(fields.begin());
  const auto last = text.find_last_not_of(" \t");
  if (text[last] != ':' && text[last] != ',' && fields.back().empty()) fields.pop_back();

  const bool only_separators = std::all_of(fields.begin(), fields.end(), [](const std::string& f) { return f.empty(); });
  if (only_separators) return ThreadSpec{};  // "", ":", " , "

  const bool outer_omitted = fields.front().empty();
  if (outer_omitted) fields.erase(fields.begin());
  if (!fields.empty() && fields.back().empty()) fields.pop_back();
  const std::size_t max_fields = outer_omitted ? 2 : 3;
  if (fields.empty() || fields.size() > max_fields) reject(text);

  std::vector<int> counts;
  for (const auto& f : fields) {
    if (f.empty() || f.size() > 4 || f.find_first_not_of("0123456789") != std::string::npos) reject(text);
    const int v = std::stoi(f);
    if (v < 1 || v > kMaxThreads) reject(text);
    counts.push_back(v);
  }
  if (outer_omitted) counts.insert(counts.begin(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (counts.size() == 1) counts.push_back(1);

  ThreadSpec spec;
  spec.outer = counts[0];
  spec.inner = counts[1];
  spec.deepest = counts.size() == 3 ? counts[2] : 0;
  return spec;
}

std::string to_string(const ThreadSpec& spec) {
  std::ostringstream out;
  out << spec.outer << ":" << spec.inner;
  if (spec.deepest > 0) out << ":" << spec.deepest;
  return out.str();
}

ThreadSpec fit_to_cpus(ThreadSpec spec, int cpus) {
  const int per_evaluation = std::max(spec.inner, spec.deepest);
  if (spec.outer * per_evaluation <= cpus) return spec;
  spec.outer = std::max(1, cpus / per_evaluation);
  spec.inner = std::min(spec.inner, cpus);
  if (spec.deepest > 0) spec.deepest = std::min(spec.deepest, cpus);
  return spec;
}

int available_cpus() { return static_cast<int>(tbb::info::default_concurrency()); }

void configure_threads(const ThreadSpec& spec) {
  g_spec = spec;
  g_control = std::make_unique<tbb::global_control>(
      tbb::global_control::max_allowed_parallelism,
      static_cast<std::size_t>(spec.outer) * static_cast<std::size_t>(std::max(spec.inner, spec.deepest)));
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
  // isolate keeps an outer-level task from being picked up by a thread that waits here, which would nest one
  // evaluation inside another.
  thread_arena(g_spec.inner).execute([&] {
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(tbb::blocked_range<int>(0, count, kInnerChunk),
                        [&](const tbb::blocked_range<int>& r) { body(r.begin(), r.end()); },
                        tbb::simple_partitioner());
    });
  });
}

namespace {

void run_in_arena(int threads, int count, const std::function<void(int)>& body) {
  if (threads <= 1 || count <= 1) {
    for (int i = 0; i < count; ++i) body(i);
    return;
  }
  thread_arena(threads).execute([&] {
    tbb::this_task_arena::isolate([&] {
      tbb::parallel_for(tbb::blocked_range<int>(0, count, 16),
                        [&](const tbb::blocked_range<int>& r) {
                          for (int i = r.begin(); i < r.end(); ++i) body(i);
                        },
                        tbb::simple_partitioner());
    });
  });
}

}  // namespace

void run_all_threads(int count, const std::function<void(int)>& body) {
  run_in_arena(g_spec.outer * std::max(g_spec.inner, g_spec.deepest), count, body);
}

void run_per_variable(int count, const std::function<void(int)>& body) {
  run_in_arena(g_spec.deepest > 0 ? g_spec.deepest : g_spec.inner, count, body);
}

void run_in_inner_arena(const std::function<void()>& body) {
  if (g_spec.inner <= 1) {
    body();
    return;
  }
  thread_arena(g_spec.inner).execute([&] { tbb::this_task_arena::isolate(body); });
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
