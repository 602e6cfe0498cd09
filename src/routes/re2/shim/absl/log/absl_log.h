// Single-threaded, silent stand-in for absl/log: RE2's logs are dropped (its
// errors reach the caller through RE2::error_code()).
#pragma once
namespace re2_wasm_shim {
struct NullStream {
  template <typename T> NullStream& operator<<(const T&) { return *this; }
};
}  // namespace re2_wasm_shim
#define ABSL_LOG(severity) if (true) {} else ::re2_wasm_shim::NullStream()
#define ABSL_LOG_IF(severity, condition) if (true) {} else ::re2_wasm_shim::NullStream()
