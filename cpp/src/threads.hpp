// Thread specification A:B[:C] and the two levels of parallelism built from it.
#pragma once

#include <functional>
#include <string>

namespace pyinla {

struct ThreadSpec {
  int outer = 16;   // A: hyperparameter evaluations side by side
  int inner = 1;    // B: linear algebra and observation loops inside one evaluation
  int deepest = 0;  // C: the simplified Laplace columns inside one evaluation, in place of B; 0 when not given
};

// Parses "A:B[:C]" with spaces, tabs, commas or colons as separators; "" and ":" give 16:1, ":B" gives
// all CPUs by B, "A:" gives A:1. Throws UsageError for anything else.
ThreadSpec parse_thread_spec(const std::string& text);

std::string to_string(const ThreadSpec& spec);

// The spec cut back so that at most `cpus` threads are busy: A * max(B, C) <= cpus.
ThreadSpec fit_to_cpus(ThreadSpec spec, int cpus);

// Number of CPUs the engine may use.
int available_cpus();

// Runs body(i) for i in [0, count) in the outer arena. Results must be written per index, so the outcome does
// not depend on the thread count.
void run_outer(int count, const std::function<void(int)>& body);

// Runs body(begin, end) over fixed chunks of [0, count) in the inner arena of the calling evaluation.
void run_inner(int count, const std::function<void(int, int)>& body);

// Runs body(i) for i in [0, count) on every thread of the run (A * max(B, C)), for work outside evaluations
// such as the summaries of each latent variable.
void run_all_threads(int count, const std::function<void(int)>& body);

// Runs body(i) for each latent variable i in [0, count) in an arena of C threads (B when C is not given).
void run_per_variable(int count, const std::function<void(int)>& body);

// Runs `body` in a fresh inner arena of the calling evaluation (directly when the inner level has one thread).
void run_in_inner_arena(const std::function<void()>& body);

// Runs body(k) for k in [0, count) as tasks of the current arena and waits for them; serial when the inner level
// has one thread. Each task must write only its own results.
void run_tasks(int count, const std::function<void(int)>& body);

// Sets up the arenas for the whole run; call once before run_outer().
void configure_threads(const ThreadSpec& spec);

}  // namespace pyinla
