// The ORC JIT wrapper: LLJIT with no platform runtime and no process-symbol search, so the only
// names JIT'd code can reach are the ones handed over through define_host_symbols.
#include "jit/session.h"

#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/ObjectTransformLayer.h>
#include <llvm/Support/TargetSelect.h>

#include <mutex>

#include "jit/log.h"

namespace fastjson::jit {

using llvm::Error;
using llvm::Expected;
namespace orc = llvm::orc;

Unit::~Unit() {
  if (Error err = tracker_->remove()) {
    logger().warn("freeing compiled code failed: {}", llvm::toString(std::move(err)));
  }
}

Expected<std::shared_ptr<Session>> Session::Create(llvm::CodeGenOptLevel codegen_level) {
  static std::once_flag target_once;
  static bool target_ok = false;
  std::call_once(target_once, [] {
    target_ok = !llvm::InitializeNativeTarget() && !llvm::InitializeNativeTargetAsmPrinter();
  });
  if (!target_ok) {
    return llvm::make_error<llvm::StringError>("no native LLVM target",
                                               llvm::inconvertibleErrorCode());
  }
  auto machine = orc::JITTargetMachineBuilder::detectHost();
  if (!machine) return machine.takeError();
  machine->setCodeGenOptLevel(codegen_level);
  auto jit = orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(std::move(*machine))
                 // No initializers/atexit support needed (the code has no globals with
                 // constructors), and no dlsym fallback: RTLD_LOCAL hides the symbols anyway,
                 // and an explicit list means a missing helper fails at link, not at run.
                 .setPlatformSetUp(orc::setUpInactivePlatform)
                 .setLinkProcessSymbolsByDefault(false)
                 .create();
  if (!jit) return jit.takeError();
  // Errors found while materializing (e.g. an unresolved symbol) are also returned to the caller
  // of add(); the session's own report goes to the log instead of stderr.
  (*jit)->getExecutionSession().setErrorReporter(
      [](Error err) { logger().warn("LLVM: {}", llvm::toString(std::move(err))); });
  std::shared_ptr<Session> session(new Session(std::move(*jit)));
  // Objects pass through this layer on their way to the linker, inside add() (which holds
  // compile_mutex_): the size of the unit's object file.
  Session* raw = session.get();
  session->jit_->getObjTransformLayer().setTransform(
      [raw](std::unique_ptr<llvm::MemoryBuffer> object) -> Expected<std::unique_ptr<llvm::MemoryBuffer>> {
        raw->object_bytes_ = object->getBufferSize();
        return object;
      });
  return session;
}

Session::~Session() = default;

Error Session::define_host_symbols(llvm::ArrayRef<HostSymbol> symbols) {
  orc::SymbolMap map;
  std::set<std::string> low;
  for (const HostSymbol& symbol : symbols) {
    if (reinterpret_cast<uintptr_t>(symbol.address) < (uintptr_t(1) << 31))
      low.emplace(symbol.name);
    map[jit_->mangleAndIntern(llvm::StringRef(symbol.name.data(), symbol.name.size()))] = {
        orc::ExecutorAddr::fromPtr(symbol.address), llvm::JITSymbolFlags::Exported};
  }
  if (Error err = jit_->getMainJITDylib().define(orc::absoluteSymbols(std::move(map)))) return err;
  std::lock_guard<std::mutex> lock(mutex_);
  low_address_symbols_.merge(low);
  return Error::success();
}

std::set<std::string> Session::low_address_symbols() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return low_address_symbols_;
}

Expected<std::unique_ptr<Unit>> Session::add(orc::ThreadSafeModule module, llvm::StringRef entry) {
  // One compile at a time: the LLJIT compiles on the calling thread with its one TargetMachine,
  // which is not thread-safe (callers release the GIL while compiling).
  std::lock_guard<std::mutex> lock(compile_mutex_);
  orc::JITDylib& dylib = jit_->getMainJITDylib();
  orc::ResourceTrackerSP tracker = dylib.createResourceTracker();
  auto drop = [&](Error err) -> Error {
    return llvm::joinErrors(std::move(err), tracker->remove());
  };
  if (Error err = jit_->addIRModule(tracker, std::move(module))) return drop(std::move(err));
  object_bytes_ = 0;
  auto address = jit_->lookup(dylib, entry);  // compiles and links the whole module
  if (!address) return drop(address.takeError());
  auto unit = std::make_unique<Unit>(shared_from_this(), std::move(tracker), address->toPtr<void*>());
  unit->set_object_bytes(object_bytes_);
  return unit;
}

}  // namespace fastjson::jit
