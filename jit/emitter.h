// Schema IR -> LLVM IR: one function per schema node that is called (containers, unions, values
// the interpreter writes), scalars inlined into their parent, and the entry point
// `char* <entry>(fj_ctx*, char* cursor, PyObject* obj)`.
#pragma once
#include <llvm/IR/DataLayout.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "jit/session.h"
#include "runtime/schema.h"

namespace fastjson::jit {

// The names JIT'd code imports. Each must be bound to a host address (compile.cpp binds the
// runtime's helpers by their FjApi names: "fj_" + field).
namespace symbols {
// The runtime's helper ABI (runtime/jit_abi.h).
inline constexpr std::string_view kReserve = "fj_reserve";
inline constexpr std::string_view kEncodeNode = "fj_encode_node";
inline constexpr std::string_view kEnter = "fj_enter";
inline constexpr std::string_view kLeave = "fj_leave";
inline constexpr std::string_view kPathIndex = "fj_path_index";
inline constexpr std::string_view kPathKey = "fj_path_key";
inline constexpr std::string_view kStrUtf8 = "fj_str_utf8";
inline constexpr std::string_view kPutStr = "fj_put_str_unchecked";
inline constexpr std::string_view kPutI64 = "fj_put_i64";
inline constexpr std::string_view kPutDouble = "fj_put_double";
inline constexpr std::string_view kPutDoublePair = "fj_put_double_pair";
inline constexpr std::string_view kTell = "fj_tell";
inline constexpr std::string_view kSeek = "fj_seek";
// jit/host_helpers.h
inline constexpr std::string_view kBlank = "fj_jit_blank";
inline constexpr std::string_view kObjectValues = "fj_jit_object_values";
inline constexpr std::string_view kPrepareStrs = "fj_jit_prepare_strs";
inline constexpr std::string_view kPrepareDict = "fj_jit_prepare_dict";
// CPython
inline constexpr std::string_view kDictNext = "PyDict_Next";
inline constexpr std::string_view kDealloc = "_Py_Dealloc";
inline constexpr std::string_view kNone = "_Py_NoneStruct";
inline constexpr std::string_view kTrue = "_Py_TrueStruct";
inline constexpr std::string_view kFalse = "_Py_FalseStruct";
inline constexpr std::string_view kLongType = "PyLong_Type";
inline constexpr std::string_view kFloatType = "PyFloat_Type";
inline constexpr std::string_view kUnicodeType = "PyUnicode_Type";
inline constexpr std::string_view kListType = "PyList_Type";
inline constexpr std::string_view kTupleType = "PyTuple_Type";
inline constexpr std::string_view kDictType = "PyDict_Type";
// Code generators may turn block copies and clears into calls to these.
inline constexpr std::string_view kMemcpy = "memcpy";
inline constexpr std::string_view kMemset = "memset";
}  // namespace symbols

struct EmitOptions {
  // The same name in every unit (each unit has a dylib of its own): the object file of a schema
  // must not depend on how many were compiled before it.
  std::string entry_name = "fj_entry";
  // Read CPython 3.11 dict tables in place for objects (else PyDict_Next only).
  bool dict_internals = true;
  // Imported data symbols whose addresses are below 2 GiB (see compile.cpp).
  std::set<std::string> low_address_symbols;
  // FjApi::writer_end_offset: room is tested in line, fj_reserve called only when short (0: every
  // reservation calls fj_reserve).
  size_t writer_end_offset = 0;
  // Reference the field keys (key_symbol) as absolute symbols: 64-bit immediates, as fast as the
  // address constants they replace, but FastISel hands every block using one to SelectionDAG.
  bool absolute_key_symbols = false;
};

// Builds the module for `schema`. Keys are compared by the address of the schema's interned key
// objects, imported as symbols (key_symbols) that the unit defines at link time: the code runs only
// while the schema lives, but the object file holds no address of this process. Everything the
// emitter reads from the schema must be in the code cache key (jit/code_cache.cpp, schema_bytes).
// Errors name unsupported input.
llvm::Expected<std::unique_ptr<llvm::Module>> emit_module(const schema::Schema& schema,
                                                          llvm::LLVMContext& context,
                                                          const llvm::DataLayout& layout,
                                                          const EmitOptions& options);

// The symbol of field `field`'s key object in object node `node`, and every such symbol of a schema
// bound to its key (the unit symbols of its code).
std::string key_symbol(schema::NodeId node, size_t field);
std::vector<UnitSymbol> key_symbols(const schema::Schema& schema);

// A one-line-per-node dump of the schema (for logs): "#1 object Record {id: #2, name?: #3}".
std::string describe_schema(const schema::Schema& schema);

}  // namespace fastjson::jit
