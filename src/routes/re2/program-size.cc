// What Envoy asks RE2 about a safe_regex (source/common/common/regex.cc,
// CompiledGoogleReMatcher): compile with RE2::Quiet, refuse with RE2's own
// error text when !ok(), else compare ProgramSize() with the limit. Built to
// WebAssembly by build.sh; src/routes/re2/program-size.ts calls it.

#include <cstdlib>
#include <string>

#include "re2/re2.h"

namespace {
std::string last_error;
}

extern "C" {

__attribute__((export_name("allocate"))) char* allocate(int size) {
  return static_cast<char*>(std::malloc(size > 0 ? size : 1));
}

__attribute__((export_name("release"))) void release(char* pointer) { std::free(pointer); }

// The RE2 program size of the pattern (UTF-8, `length` bytes), or -1 when RE2
// refuses it; then last_error_text() holds RE2's message.
__attribute__((export_name("program_size"))) int program_size(const char* pattern, int length) {
  re2::RE2 regex(absl::string_view(pattern, length), re2::RE2::Quiet);
  if (!regex.ok()) {
    last_error = regex.error();
    return -1;
  }
  last_error.clear();
  return regex.ProgramSize();
}

// The number of capturing groups, or -1 when RE2 refuses the pattern
// (RE2::CheckRewriteString, which regex_rewrite runs, counts the same).
__attribute__((export_name("group_count"))) int group_count(const char* pattern, int length) {
  re2::RE2 regex(absl::string_view(pattern, length), re2::RE2::Quiet);
  return regex.ok() ? regex.NumberOfCapturingGroups() : -1;
}

__attribute__((export_name("last_error_text"))) const char* last_error_text() { return last_error.c_str(); }

__attribute__((export_name("last_error_length"))) int last_error_length() {
  return static_cast<int>(last_error.size());
}
}
