// The ORC JIT wrapper (KaleidoscopeJIT style): one LLJIT per process, each compiled encoder added
// as its own unit (ThreadSafeContext + ResourceTracker) whose code lives as long as its Unit.
#pragma once
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/Support/CodeGen.h>
#include <llvm/Support/Error.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace fastjson::jit {

// A host function or object JIT'd code refers to by name (Python loads extensions RTLD_LOCAL, so
// nothing is found by searching the process: every symbol is handed over explicitly).
struct HostSymbol {
  std::string_view name;
  const void* address;
};

class Session;

// One compiled unit's code. Destroying it frees the code (ResourceTracker::remove); it keeps the
// session alive, so units may outlive every other reference to the session.
class Unit {
 public:
  Unit(std::shared_ptr<Session> session, llvm::orc::ResourceTrackerSP tracker, void* entry) noexcept
      : session_(std::move(session)), tracker_(std::move(tracker)), entry_(entry) {}
  Unit(const Unit&) = delete;
  Unit& operator=(const Unit&) = delete;
  ~Unit();

  void* entry() const noexcept { return entry_; }
  // Size of the object file linked for this unit (code, constants, relocations): what
  // fastjson.jit_stats() reports as code bytes.
  size_t object_bytes() const noexcept { return object_bytes_; }
  void set_object_bytes(size_t n) noexcept { object_bytes_ = n; }

 private:
  std::shared_ptr<Session> session_;
  llvm::orc::ResourceTrackerSP tracker_;
  void* entry_;
  size_t object_bytes_ = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Initializes the native target once per process, then builds the LLJIT. `codegen_level` is the
  // backend's optimization level (the IR passes are the caller's business).
  static llvm::Expected<std::shared_ptr<Session>> Create(llvm::CodeGenOptLevel codegen_level);
  ~Session();  // LLJIT's destructor ends the ExecutionSession (endSession)

  const llvm::DataLayout& data_layout() const { return jit_->getDataLayout(); }
  const llvm::Triple& triple() const { return jit_->getTargetTriple(); }

  // Defines host symbols (absoluteSymbols) in the JITDylib every unit links against. Call once per
  // name; defining a name twice is an error.
  llvm::Error define_host_symbols(llvm::ArrayRef<HostSymbol> symbols);
  // The host symbols defined so far whose addresses fit a sign-extended 32-bit immediate.
  std::set<std::string> low_address_symbols() const;
  // FjApi::writer_end_offset of the runtime whose helpers were defined (0: unknown).
  size_t writer_end_offset() const noexcept { return writer_end_offset_; }
  void set_writer_end_offset(size_t offset) noexcept { writer_end_offset_ = offset; }

  // Adds `module` as a new unit, compiles it (at lookup, on this thread) and returns its code with
  // the address of the function `entry`. On failure nothing of the unit stays in the session.
  llvm::Expected<std::unique_ptr<Unit>> add(llvm::orc::ThreadSafeModule module,
                                            llvm::StringRef entry);

 private:
  explicit Session(std::unique_ptr<llvm::orc::LLJIT> jit) noexcept : jit_(std::move(jit)) {}
  friend class Unit;

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::mutex compile_mutex_;
  size_t object_bytes_ = 0;  // of the last object linked; written under compile_mutex_
  size_t writer_end_offset_ = 0;  // set once, before the session is shared
  mutable std::mutex mutex_;  // guards low_address_symbols_
  std::set<std::string> low_address_symbols_;
};

}  // namespace fastjson::jit
