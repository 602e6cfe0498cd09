// ABSL_CHECK aborts as abseil's does; ABSL_DCHECK is off (NDEBUG), as in Envoy's release build.
#pragma once
#include <cstdlib>
#include "absl/log/absl_log.h"
#define ABSL_CHECK(condition) if (condition) {} else (std::abort(), ::re2_wasm_shim::NullStream())
#define ABSL_CHECK_EQ(a, b) ABSL_CHECK((a) == (b))
#define ABSL_CHECK_NE(a, b) ABSL_CHECK((a) != (b))
#define ABSL_CHECK_LE(a, b) ABSL_CHECK((a) <= (b))
#define ABSL_CHECK_LT(a, b) ABSL_CHECK((a) < (b))
#define ABSL_CHECK_GE(a, b) ABSL_CHECK((a) >= (b))
#define ABSL_CHECK_GT(a, b) ABSL_CHECK((a) > (b))
#define ABSL_DCHECK(condition) if (true) {} else ::re2_wasm_shim::NullStream()
#define ABSL_DCHECK_EQ(a, b) ABSL_DCHECK((a) == (b))
#define ABSL_DCHECK_NE(a, b) ABSL_DCHECK((a) != (b))
#define ABSL_DCHECK_LE(a, b) ABSL_DCHECK((a) <= (b))
#define ABSL_DCHECK_LT(a, b) ABSL_DCHECK((a) < (b))
#define ABSL_DCHECK_GE(a, b) ABSL_DCHECK((a) >= (b))
#define ABSL_DCHECK_GT(a, b) ABSL_DCHECK((a) > (b))
