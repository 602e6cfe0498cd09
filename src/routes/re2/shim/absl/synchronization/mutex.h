// WebAssembly here has one thread: a mutex with nothing to exclude.
#pragma once
#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "absl/base/config.h"
namespace absl {
ABSL_NAMESPACE_BEGIN
class ABSL_LOCKABLE Mutex {
 public:
  constexpr Mutex() {}
  void Lock() {}
  void Unlock() {}
  void ReaderLock() {}
  void ReaderUnlock() {}
  void WriterLock() {}
  void WriterUnlock() {}
  void lock() {}
  void unlock() {}
  void lock_shared() {}
  void unlock_shared() {}
  void AssertHeld() const {}
  void AssertReaderHeld() const {}
};
class MutexLock {
 public:
  explicit MutexLock(Mutex*) {}
  explicit MutexLock(Mutex&) {}
};
class ReaderMutexLock {
 public:
  explicit ReaderMutexLock(Mutex*) {}
  explicit ReaderMutexLock(Mutex&) {}
};
class WriterMutexLock {
 public:
  explicit WriterMutexLock(Mutex*) {}
  explicit WriterMutexLock(Mutex&) {}
};
class ReleasableMutexLock {
 public:
  explicit ReleasableMutexLock(Mutex*) {}
  explicit ReleasableMutexLock(Mutex&) {}
  void Release() {}
};
ABSL_NAMESPACE_END
}  // namespace absl
