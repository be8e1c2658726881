// The ORC JIT wrapper (KaleidoscopeJIT style): one LLJIT per process, each compiled encoder added
// as its own unit (a JITDylib of its own, linking against the host symbols) whose code lives as
// long as its Unit.
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

// A symbol defined for one unit only (a schema's field key objects): the same object file links
// against other addresses in another unit or process.
struct UnitSymbol {
  std::string name;
  const void* address;
};

// One compiled unit's code. Destroying it frees the code (its JITDylib is removed); it keeps the
// session alive, so units may outlive every other reference to the session.
class Unit {
 public:
  Unit(std::shared_ptr<Session> session, llvm::orc::JITDylib* dylib, void* entry) noexcept
      : session_(std::move(session)), dylib_(dylib), entry_(entry) {}
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
  llvm::orc::JITDylib* dylib_;  // owned by the session's ExecutionSession until removed
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
  // Everything about the target that shapes machine code: triple, CPU name, CPU features and the
  // codegen level (part of a code cache key).
  const std::string& target_description() const { return target_description_; }

  // Defines host symbols (absoluteSymbols) in the JITDylib every unit links against. Call once per
  // name; defining a name twice is an error.
  llvm::Error define_host_symbols(llvm::ArrayRef<HostSymbol> symbols);
  // The host symbols defined so far whose addresses fit a sign-extended 32-bit immediate.
  std::set<std::string> low_address_symbols() const;
  // FjApi::writer_end_offset of the runtime whose helpers were defined (0: unknown).
  size_t writer_end_offset() const noexcept { return writer_end_offset_; }
  void set_writer_end_offset(size_t offset) noexcept { writer_end_offset_ = offset; }

  // Adds `module` as a new unit (its own JITDylib, where `unit_symbols` are defined and which links
  // against the host symbols), compiles it (at lookup, on this thread) and returns its code with
  // the address of the function `entry`. On failure nothing of the unit stays in the session.
  // `object_out`, when given, receives a copy of the object file (for the code cache).
  llvm::Expected<std::unique_ptr<Unit>> add(llvm::orc::ThreadSafeModule module,
                                            llvm::StringRef entry,
                                            llvm::ArrayRef<UnitSymbol> unit_symbols = {},
                                            std::string* object_out = nullptr);
  // The same for an object file compiled before (by add(), maybe in another process): only linked.
  llvm::Expected<std::unique_ptr<Unit>> add_object(std::unique_ptr<llvm::MemoryBuffer> object,
                                                   llvm::StringRef entry,
                                                   llvm::ArrayRef<UnitSymbol> unit_symbols = {});

 private:
  explicit Session(std::unique_ptr<llvm::orc::LLJIT> jit) noexcept : jit_(std::move(jit)) {}
  friend class Unit;
  // The common part of add() and add_object(): a unit dylib, `add_code` puts the code in it, then
  // the lookup links it. Holds compile_mutex_.
  llvm::Expected<std::unique_ptr<Unit>> link(
      llvm::StringRef entry, llvm::ArrayRef<UnitSymbol> unit_symbols, std::string* object_out,
      llvm::function_ref<llvm::Error(llvm::orc::JITDylib&)> add_code);

  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::string target_description_;
  std::mutex compile_mutex_;
  size_t writer_end_offset_ = 0;  // set once, before the session is shared
  // Written under compile_mutex_ by the object transform: the size of the last object linked,
  // and where to copy it (when the caller asked).
  size_t object_bytes_ = 0;
  std::string* object_copy_ = nullptr;
  uint64_t next_dylib_ = 0;   // unit dylib names, under compile_mutex_
  mutable std::mutex mutex_;  // guards low_address_symbols_
  std::set<std::string> low_address_symbols_;
};

}  // namespace fastjson::jit
