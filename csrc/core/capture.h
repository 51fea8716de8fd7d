// Capture and replay of op calls (pyfastfit.function, DESIGN.md "compiled steps").
//
// While a Recording is active on a thread, every binding made with `recorded()` (all of
// `_C`'s module functions: bindings/registry.h wraps `m.def`) runs as usual and also
// appends a closure that calls the same op again with the same arguments: tensor handles
// (so the same storage), numbers, strings. Tensor::empty hands each recorded op's
// allocations to the Recording; on replay it gives the op the very buffers it wrote at
// capture, in the same order, so every later op reads its inputs where it read them at
// capture. Inputs are buffers owned by the Recording that replay() refills; variables and
// other state live outside it and are updated in place by the replayed ops.
//
// What cannot be replayed taints the Recording (its reason is the first one seen) and the
// caller runs the function eagerly: a tensor's data exported to Python (numpy(), float(),
// bool()), an op whose result goes to Python (a number, a Python object), or an allocation
// outside any op (a C++ call that is not a recorded binding).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "core/threads.h"

namespace pyfastfit::capture {

/** One recorded op call. */
struct Step {
  const char* op;
  std::function<void()> run;
  size_t alloc_begin, alloc_end;  // its allocations: allocs_[alloc_begin, alloc_end)
};

class Recording {
 public:
  Recording() = default;
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  /** A buffer owned by the Recording holding a copy of `value`: the function's input
   *  number `inputs().size()`; replay() copies each call's value into it. */
  Tensor add_input(const Tensor& value);
  /** Marks the tensors the function returns (replay returns copies of them). */
  void set_outputs(std::vector<Tensor> outputs) { outputs_ = std::move(outputs); }

  /** Makes this Recording the calling thread's active one (recording mode). */
  void begin();
  /** Ends recording on this thread (also when the function raised). */
  void end();
  /** Stops / resumes recording on this thread, around Python code that re-runs before
   *  every replay (hooks.host_callback). */
  void pause();
  void resume();

  /** Copies `inputs` into the input buffers, runs every step, returns copies of the
   *  outputs. Call without the GIL. */
  std::vector<Tensor> replay(const std::vector<Tensor>& inputs);
  /** True when `inputs` have the recorded inputs' number, shapes and dtypes (replay()
   *  would take them). */
  bool matches(const std::vector<Tensor>& inputs) const;
  /** replay() with input i gathered straight from rows of `sources[i]` (no batch tensor
   *  in between): rows order[start + r] (`order` int64), or start + r when `order` is
   *  empty, for r below the recorded inputs' first dimension. fit's loop over NumPy
   *  data calls it per batch. Call without the GIL. */
  std::vector<Tensor> replay_rows(const std::vector<Tensor>& sources, int64_t start,
                                  const Tensor& order);
  /** replay_rows() for `steps` consecutive batches, batch s from position
   *  start + s * (batch size) of the order; returns the last one's outputs. `between`
   *  runs between two steps at most every 50 ms (fit's loop: a pending Ctrl-C raises
   *  there). Call without the GIL. */
  std::vector<Tensor> replay_rows_steps(const std::vector<Tensor>& sources, int64_t start,
                                        const Tensor& order, int64_t steps,
                                        const std::function<void()>& between);
  /** Replays `repeats` times and returns each step's op name and total seconds (for
   *  finding where a compiled step spends its time). Call without the GIL. */
  std::vector<std::pair<std::string, double>> profile(const std::vector<Tensor>& inputs,
                                                      int repeats);

  /** The op sequence as text (op names, attributes, each tensor's shape, dtype and role:
   *  input k, allocation k of this recording, or an outside buffer), one line per step;
   *  two recordings of one function agree when the function's code path did not depend
   *  on Python state that changed between the calls. */
  const std::string& signature() const { return signature_; }
  /** Why this recording cannot be replayed ("" when it can). */
  const std::string& taint() const { return taint_; }
  size_t num_steps() const { return steps_.size(); }
  size_t num_allocs() const { return allocs_.size(); }

  // --- used by recorded() and Tensor::empty -------------------------------------------
  void mark_tainted(const std::string& why) {
    if (taint_.empty()) taint_ = why;
  }
  bool recording() const { return mode_ == Mode::record; }
  /** Tensor::empty while this recording is active on the thread. */
  Tensor empty(const Shape& shape, DType dtype);
  size_t begin_op() {
    ++op_depth_;
    return allocs_.size();
  }
  void end_op(const char* op, size_t alloc_begin, std::function<void()> run,
              const std::string& attrs);
  void abort_op() { --op_depth_; }
  void begin_boundary() { ++boundary_depth_; }
  void end_boundary() { --boundary_depth_; }
  /** A tensor made from Python values during recording: its role names its content. */
  void add_constant(const Tensor& t);
  /** The tensor's storage as the signature names it: "in3" (input 3), "a17+64" (64 bytes
   *  into allocation 17), "k<hash>" (a constant made from Python values, by content) or
   *  "x<address>" (outside state: a variable, an optimizer slot). */
  std::string role(const Tensor& t) const;

 private:
  enum class Mode { idle, record, replay };
  void check_replayable(size_t num_inputs) const;
  /** Copies rows of `sources` into the input buffers (replay_rows()). */
  void gather_rows(const std::vector<Tensor>& sources, int64_t start, const Tensor& order);
  /** Runs every step; returns copies of the outputs (none when !copy_outputs). */
  std::vector<Tensor> run_steps(bool copy_outputs = true);
  Mode mode_ = Mode::idle;
  int op_depth_ = 0;
  int boundary_depth_ = 0;
  std::vector<Step> steps_;
  std::vector<Tensor> allocs_;
  std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
  std::unordered_map<const void*, std::string> roles_;  // holder -> "in3" / "a17"
  std::string signature_;
  std::string taint_;
  size_t cursor_ = 0;  // replay: the next allocation to hand out
  std::vector<double>* step_seconds_ = nullptr;  // profile(): where replay adds times
  PoolChoice pool_choice_;  // replays with the pool or on one thread (threads.h)
};

/** The recording active on this thread, or nullptr (one thread-local read). */
Recording* active();

/** Called when a tensor's data is exported to Python: taints an active recording. */
void note_host_access(const char* what);

// ------------------------------------------------------------------ recorded(name, f)
// Which argument and result types a replay can hold on to: tensors, numbers, enums,
// strings and vectors/optionals/pairs/tuples of them. Anything else (Python objects,
// NumPy arrays) makes the binding a boundary to Python, never replayed.
template <class T, class = void> struct storable : std::false_type {};
template <class T>
struct storable<T, std::enable_if_t<std::is_arithmetic_v<T> || std::is_enum_v<T>>>
    : std::true_type {};
template <> struct storable<Tensor> : std::true_type {};
template <> struct storable<std::string> : std::true_type {};
template <class T> struct storable<std::vector<T>> : storable<T> {};
template <class T> struct storable<std::optional<T>> : storable<T> {};
template <class A, class B>
struct storable<std::pair<A, B>> : std::bool_constant<storable<A>::value && storable<B>::value> {};
template <class... T>
struct storable<std::tuple<T...>> : std::bool_constant<(storable<T>::value && ...)> {};

// A result replay can produce: void or tensors (a number would have gone to Python).
template <class T> struct tensor_result : std::false_type {};
template <> struct tensor_result<void> : std::true_type {};
template <> struct tensor_result<Tensor> : std::true_type {};
template <> struct tensor_result<std::vector<Tensor>> : std::true_type {};
template <> struct tensor_result<std::optional<Tensor>> : std::true_type {};
template <class A, class B>
struct tensor_result<std::pair<A, B>>
    : std::bool_constant<tensor_result<A>::value && tensor_result<B>::value> {};
template <class... T>
struct tensor_result<std::tuple<T...>> : std::bool_constant<(tensor_result<T>::value && ...)> {};

// Does an argument carry a tensor (a call with one depends on tensor data)?
template <class T> struct has_tensor : std::false_type {};
template <> struct has_tensor<Tensor> : std::true_type {};
template <class T> struct has_tensor<std::vector<T>> : has_tensor<T> {};
template <class T> struct has_tensor<std::optional<T>> : has_tensor<T> {};

inline void describe(const Recording& r, std::ostream& os, const Tensor& t) {
  os << dtype_name(t.dtype()) << shape_str(t.shape()) << '@' << r.role(t);
}
inline void describe(const Recording&, std::ostream& os, const std::string& s) { os << '"' << s << '"'; }
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
void describe(const Recording&, std::ostream& os, T v) {
  os << +v;
}
template <class T, std::enable_if_t<std::is_enum_v<T>, int> = 0>
void describe(const Recording&, std::ostream& os, T v) {
  os << static_cast<int64_t>(v);
}
template <class T>
void describe(const Recording& r, std::ostream& os, const std::vector<T>& v) {
  os << '[';
  for (const auto& x : v) describe(r, os, x), os << ',';
  os << ']';
}
template <class T>
void describe(const Recording& r, std::ostream& os, const std::optional<T>& v) {
  if (v) describe(r, os, *v);
  else os << "None";
}
template <class A, class B>
void describe(const Recording& r, std::ostream& os, const std::pair<A, B>& v) {
  os << '(', describe(r, os, v.first), os << ',', describe(r, os, v.second), os << ')';
}
template <class... T>
void describe(const Recording& r, std::ostream& os, const std::tuple<T...>& v) {
  os << '(';
  std::apply([&](const auto&... x) { ((describe(r, os, x), os << ','), ...); }, v);
  os << ')';
}

template <class F> struct fn_traits : fn_traits<decltype(&F::operator())> {};
template <class C, class R, class... A> struct fn_traits<R (C::*)(A...) const> {
  using result = R;
  using args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct fn_traits<R (C::*)(A...)> : fn_traits<R (C::*)(A...) const> {};
template <class R, class... A> struct fn_traits<R (*)(A...)> {
  using result = R;
  using args = std::tuple<A...>;
};

template <class R, class... A>
constexpr bool replayable_impl(std::tuple<A...>*) {
  return (storable<std::decay_t<A>>::value && ...) && tensor_result<std::decay_t<R>>::value;
}

/** True when calls to `F` are recorded and replayed; false for a boundary to Python. */
template <class F>
constexpr bool is_replayable() {
  return replayable_impl<typename fn_traits<F>::result>(
      static_cast<typename fn_traits<F>::args*>(nullptr));
}

template <class F, class R, class... A>
auto recorded_impl(const char* name, F f, std::tuple<A...>*) {
  return [name, f](A... args) -> R {
    constexpr bool replayable = replayable_impl<R>(static_cast<std::tuple<A...>*>(nullptr));
    constexpr bool reads_tensors = (has_tensor<std::decay_t<A>>::value || ...);
    Recording* rec = active();
    if (rec == nullptr || !rec->recording()) return f(std::forward<A>(args)...);
    if constexpr (replayable) {
      size_t begin = rec->begin_op();
      std::tuple<std::decay_t<A>...> saved(args...);
      auto finish = [&] {
        std::ostringstream attrs;
        attrs.precision(17);  // attributes compare exactly between two recordings
        describe(*rec, attrs, saved);
        rec->end_op(name, begin,
                    [f, saved]() mutable { std::apply([&](auto&... a) { f(a...); }, saved); },
                    attrs.str());
      };
      if constexpr (std::is_void_v<R>) {
        try {
          f(std::forward<A>(args)...);
        } catch (...) {
          rec->abort_op();
          throw;
        }
        finish();
      } else {
        std::optional<R> out;
        try {
          out.emplace(f(std::forward<A>(args)...));
        } catch (...) {
          rec->abort_op();
          throw;
        }
        finish();
        return std::move(*out);
      }
    } else {
      // A boundary to Python. Without tensor arguments it makes a constant from Python
      // values (from_numpy, a config query): its allocations are the constant's own.
      if constexpr (reads_tensors)
        rec->mark_tainted(std::string("`") + name +
                          "` returns a value to Python or takes a Python object together "
                          "with tensors");
      rec->begin_boundary();
      struct Close {
        Recording* r;
        ~Close() { r->end_boundary(); }
      } close{rec};
      if constexpr (std::is_same_v<std::decay_t<R>, Tensor>) {
        R out = f(std::forward<A>(args)...);
        if constexpr (!reads_tensors) rec->add_constant(out);
        return out;
      } else {
        return f(std::forward<A>(args)...);
      }
    }
  };
}

/** Wraps a binding's callable so calls to it are recorded (see the file comment). The
 *  wrapper has the same parameter and result types, so pybind11 binds it unchanged. */
template <class F>
auto recorded(const char* name, F f) {
  return recorded_impl<F, typename fn_traits<F>::result>(
      name, std::move(f), static_cast<typename fn_traits<F>::args*>(nullptr));
}

}  // namespace pyfastfit::capture
