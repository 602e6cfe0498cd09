// WebAssembly here has one thread: call_once is "call if not yet called".
#pragma once
#include <utility>
#include "absl/base/config.h"
namespace absl {
ABSL_NAMESPACE_BEGIN
class once_flag {
 public:
  constexpr once_flag() : done_(false) {}
  bool done_;
};
template <typename Callable, typename... Args>
void call_once(once_flag& flag, Callable&& fn, Args&&... args) {
  if (flag.done_) return;
  flag.done_ = true;
  std::forward<Callable>(fn)(std::forward<Args>(args)...);
}
ABSL_NAMESPACE_END
}  // namespace absl
