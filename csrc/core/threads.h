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

/** While alive, parallel calls made on this thread run their chunks on it, one after
 *  another (same chunk boundaries, so the same results), without waking the pool. */
class SerialScope {
 public:
  explicit SerialScope(bool serial);
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  bool prev_;
};

/** Hands the pool's workers rows to prefetch while they wait between jobs: rows
 *  rows[0..n) of `row_bytes` bytes each of the array at `base` (the next batch, which
 *  the caller will gather from memory far larger than the caches). Replaces an earlier
 *  request. Only prefetch instructions read them, and those never fault, so a request
 *  may go stale and an index may be out of range. */
void prefetch_when_idle(const void* base, int64_t row_bytes, const int64_t* rows, int64_t n);

/** Chooses, for a loop of like iterations (a Program's training steps), between running
 *  them with the pool and running them on the calling thread alone, by timing both.
 *
 *  Why: on these 2-vCPU VMs the host sometimes runs the two vCPUs where they cannot both
 *  go at full speed; in those periods the whole machine looks idle from inside, the
 *  pool's workers take every chunk on time, and yet a W1 epoch took 234-287 ms with
 *  both threads busy against 180 ms on one thread (108 ms with two in a normal period),
 *  for whole processes (issue 13: W1 bimodal between processes). Only timing says
 *  which is faster now: the loop runs kWindow iterations in the other mode now and then,
 *  compares the medians with the chosen mode's latest, and leaves the pool when two
 *  probes in a row find one thread 20% faster (single windows are a few ms: one
 *  preemption can decide them), coming back when one probe finds the pool 5% faster.
 *  Probes come every 256 iterations, up to every 2,048 while the pool is clearly
 *  faster (a probe of the slower mode then costs ~1%). */
class PoolChoice {
 public:
  /** Whether the next iteration runs serially; call record() after it. */
  bool serial_next();
  /** The time of the iteration serial_next() announced. */
  void record(double seconds);

 private:
  static constexpr int kWindow = 16;
  static constexpr int kMinPeriod = 256, kMaxPeriod = 2048;
  double median_of(const double* v) const;
  bool serial_ = false;       // the chosen mode
  bool probing_ = false;      // the current window runs the other mode
  bool pending_ = false;      // the last probe found the other mode faster
  bool last_serial_ = false;  // the mode serial_next() last announced
  int in_window_ = -1;        // iterations recorded in the current window (-1: skip one)
  int period_ = kMinPeriod;   // iterations between probes
  int since_probe_ = kMinPeriod - kWindow - 1;  // the first probe after kWindow + 1
  double chosen_[kWindow] = {}, other_[kWindow] = {};
  int chosen_n_ = 0;
};

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
