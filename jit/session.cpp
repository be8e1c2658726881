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
  // Removing the unit's dylib frees its code and its unit symbols (so their names are free again).
  if (Error err = session_->jit_->getExecutionSession().removeJITDylib(*dylib_)) {
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
  // What the machine code depends on besides the IR (detectHost: the host CPU and its features).
  std::string target = machine->getTargetTriple().str() + " cpu=" + machine->getCPU() +
                       " features=" + machine->getFeatures().getString() + " codegen=-O" +
                       std::to_string(int(codegen_level));
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
  session->target_description_ = std::move(target);
  // Objects pass through this layer on their way to the linker, inside add() (which holds
  // compile_mutex_): the size of the unit's object file, and a copy for the code cache. This is
  // the object-cache hook: the object is taken here rather than through an llvm::ObjectCache on
  // the compiler, because a cache hit must skip building the IR as well, which a hook keyed by
  // the IR module cannot (the cache key is derived from the schema instead: jit/code_cache.h).
  Session* raw = session.get();
  session->jit_->getObjTransformLayer().setTransform(
      [raw](std::unique_ptr<llvm::MemoryBuffer> object)
          -> Expected<std::unique_ptr<llvm::MemoryBuffer>> {
        raw->object_bytes_ = object->getBufferSize();
        if (raw->object_copy_ != nullptr) raw->object_copy_->assign(object->getBuffer());
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

Expected<std::unique_ptr<Unit>> Session::link(llvm::StringRef entry,
                                              llvm::ArrayRef<UnitSymbol> unit_symbols,
                                              std::string* object_out,
                                              llvm::function_ref<Error(orc::JITDylib&)> add_code) {
  // One compile at a time: the LLJIT compiles on the calling thread with its one TargetMachine,
  // which is not thread-safe (callers release the GIL while compiling).
  std::lock_guard<std::mutex> lock(compile_mutex_);
  orc::ExecutionSession& es = jit_->getExecutionSession();
  // A dylib per unit: the entry and the unit symbols have the same names in every unit (so the
  // object file of a schema is the same in every process), and removing the dylib frees it all.
  orc::JITDylib& dylib = es.createBareJITDylib("fj_unit_" + std::to_string(next_dylib_++));
  dylib.addToLinkOrder(jit_->getMainJITDylib());
  auto drop = [&](Error err) -> Error {
    return llvm::joinErrors(std::move(err), es.removeJITDylib(dylib));
  };
  if (!unit_symbols.empty()) {
    orc::SymbolMap map;
    for (const UnitSymbol& symbol : unit_symbols) {
      map[jit_->mangleAndIntern(symbol.name)] = {orc::ExecutorAddr::fromPtr(symbol.address),
                                                 llvm::JITSymbolFlags::Exported};
    }
    if (Error err = dylib.define(orc::absoluteSymbols(std::move(map)))) return drop(std::move(err));
  }
  if (Error err = add_code(dylib)) return drop(std::move(err));
  object_bytes_ = 0;
  object_copy_ = object_out;
  auto address = jit_->lookup(dylib, entry);  // compiles (if IR) and links the whole module
  object_copy_ = nullptr;
  if (!address) return drop(address.takeError());
  auto unit = std::make_unique<Unit>(shared_from_this(), &dylib, address->toPtr<void*>());
  unit->set_object_bytes(object_bytes_);
  return unit;
}

Expected<std::unique_ptr<Unit>> Session::add(orc::ThreadSafeModule module, llvm::StringRef entry,
                                             llvm::ArrayRef<UnitSymbol> unit_symbols,
                                             std::string* object_out) {
  return link(entry, unit_symbols, object_out,
              [&](orc::JITDylib& dylib) { return jit_->addIRModule(dylib, std::move(module)); });
}

Expected<std::unique_ptr<Unit>> Session::add_object(std::unique_ptr<llvm::MemoryBuffer> object,
                                                    llvm::StringRef entry,
                                                    llvm::ArrayRef<UnitSymbol> unit_symbols) {
  return link(entry, unit_symbols, nullptr,
              [&](orc::JITDylib& dylib) { return jit_->addObjectFile(dylib, std::move(object)); });
}

}  // namespace fastjson::jit
