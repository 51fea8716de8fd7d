// Argument checks: PFF_CHECK(cond, "[op] message ...") throws std::invalid_argument,
// which pybind11 turns into ValueError with the message unchanged.
#pragma once
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace pyfastfit {

/** "(2, 3)" for a shape, as NumPy prints it. */
inline std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  if (s.size() == 1) os << ",";
  os << ")";
  return os.str();
}

namespace detail {
inline void cat(std::ostringstream&) {}
template <typename T, typename... R>
void cat(std::ostringstream& os, const T& v, const R&... rest) {
  os << v;
  cat(os, rest...);
}
}  // namespace detail

/** Concatenate the arguments with operator<< into one string. */
template <typename... A>
std::string str(const A&... a) {
  std::ostringstream os;
  detail::cat(os, a...);
  return os.str();
}

/** An allocation that failed, with what was asked for. It is a std::bad_alloc, which
 *  pybind11 raises as MemoryError with what() as the message. */
class AllocError : public std::bad_alloc {
 public:
  explicit AllocError(std::string msg) : msg_(std::move(msg)) {}
  const char* what() const noexcept override { return msg_.c_str(); }

 private:
  std::string msg_;
};

}  // namespace pyfastfit

#define PFF_CHECK(cond, ...)                                      \
  do {                                                            \
    if (!(cond)) throw std::invalid_argument(::pyfastfit::str(__VA_ARGS__)); \
  } while (0)
