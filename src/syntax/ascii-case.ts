// Envoy folds case for ASCII letters only (absl::AsciiStrToLower,
// absl::EqualsIgnoreCase / StartsWithIgnoreCase / EndsWithIgnoreCase, used by
// StringMatcherImpl and the case-insensitive path matchers in
// source/common/common/matchers.cc): "É" and "é" stay different, and no
// character changes length. String.prototype.toLowerCase folds all of Unicode.

export function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
