// The one thread pool and the knob for its size. OpenBLAS is kept at one thread; we split
// large GEMMs over this pool ourselves so two pools never spin.
//
// The pool is persistent (threads are created on the first parallel call, never at
// import) and the calling thread runs chunks too: chunks are claimed from an atomic
// counter, so a chunk no worker has claimed yet is run by the caller instead of waiting
// for a worker the OS has descheduled. Nested calls (from inside a chunk) and calls made
// while another thread is using the pool run their chunks serially on the calling thread,
// with the same chunk boundaries, so results never depend on who ran what. So do all
// calls for a few ms (up to ~128) after a job the workers missed (took no chunk of, or
// held the caller up with): on cores shared with other processes the workers cost more
// than they bring (threads.cpp, kLateSlack).
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace pyfastfit {

/** Sets the size of the thread pool, the calling thread included (and pins OpenBLAS to
 *  one thread). Takes effect on the next parallel call. */
void set_num_threads(int n);
/** Current size of the thread pool (default: the number of usable cores). */
int get_num_threads();
/** True on a pool worker, or on a caller while it runs its own chunks. */
bool in_parallel();

namespace detail {
using ChunkFn = void (*)(void* ctx, int64_t begin, int64_t end);
/** Runs fn(ctx, b, e) for `chunks` equal chunks of [0, n) on the pool and the caller;
 *  returns when all are done. Rethrows the first exception a chunk threw. */
void run_chunks(int64_t n, int64_t chunks, ChunkFn fn, void* ctx);
}  // namespace detail

/** Calls f(begin, end) over [0, n) in min(threads, ceil(n / grain)) chunks on the pool
 *  when n >= grain, else f(0, n) inline. */
template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int nt = get_num_threads();
  if (n >= grain && nt > 1 && !in_parallel()) {
    int64_t g = std::max<int64_t>(grain, 1);
    int64_t chunks = std::min<int64_t>(nt, (n + g - 1) / g);
    if (chunks > 1) {
      using Fn = std::remove_reference_t<F>;
      detail::run_chunks(
          n, chunks,
          [](void* ctx, int64_t b, int64_t e) { (*static_cast<Fn*>(ctx))(b, e); },
          const_cast<void*>(static_cast<const void*>(&f)));
      return;
    }
  }
  f(int64_t{0}, n);
}

}  // namespace pyfastfit
