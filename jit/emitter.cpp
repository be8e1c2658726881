// Schema IR -> LLVM IR. Every called node becomes `ptr node(ptr ctx, ptr cur, ptr obj, i64 tail)`:
// it writes obj at cur and returns the new cursor with at least `tail` bytes of room after it (the
// bytes its caller writes next), or null with the fault recorded in ctx (runtime/jit_abi.h).
//
// Each container's code has three parts. A guard pass reads every value and checks its exact type
// (one ob_type pointer compare, or identity for None/True/False) while summing a byte bound; it is
// branch-free (compares, ands and selects; one branch at its end), because instruction selection
// time grows with the number of basic blocks and compile time is part of the budget. Then one
// reservation. Then a write pass with no capacity checks. Nothing is written before the guard
// pass has accepted the container, so any mismatch hands the untouched cursor to the interpreter
// (fj_encode_node) for this node, which writes identical bytes or records the exact error. The
// rare cases a guard cannot settle in line (a dict table not readable in place, a non-ASCII str
// whose UTF-8 is not cached yet) go to C++ helpers (host_helpers.h), then the guard is retried.
// Sizing is per container, not per document: the guard pass pulls a record's values into cache
// right before they are written, where a whole-document sizing pass would walk every record twice.
// A container member is called with the bound of what follows it as its tail, so the caller
// never reserves again after it.
#include "jit/emitter.h"

#include <Python.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "jit/cpython_layout.h"
#include "runtime/jit_abi.h"

namespace fastjson::jit {

namespace {

using llvm::BasicBlock;
using llvm::Function;
using llvm::Value;
using schema::Kind;
using schema::Node;
using schema::NodeId;
using schema::Schema;

// What a value is, by exact type. The first five are the scalar categories, written in line.
enum Category : uint8_t {
  kCatNone,
  kCatBool,
  kCatInt,
  kCatFloat,
  kCatStr,
  kCatList,
  kCatTuple,
  kCatDict,
  kCatOther,
  kNumCategories
};
using Mask = uint16_t;
constexpr Mask bit(Category c) { return Mask(1u << c); }
constexpr Mask kScalarCategories =
    bit(kCatNone) | bit(kCatBool) | bit(kCatInt) | bit(kCatFloat) | bit(kCatStr);
constexpr Mask kAllCategories = Mask((1u << kNumCategories) - 1);
// The order scalar checks are emitted in: most common first.
constexpr Category kScalarOrder[] = {kCatStr, kCatInt, kCatFloat, kCatNone, kCatBool};

// Byte bounds per scalar: the room each unchecked writer needs (runtime/jit_abi.h).
constexpr int64_t kNullBytes = 4;
constexpr int64_t kBoolBytes = 5;
constexpr int64_t kIntBytes = FJ_MAX_INT_CHARS;  // ints of one or two 30-bit digits (< 2**60)
constexpr int64_t kFloatBytes = FJ_MAX_FLOAT_CHARS;
constexpr int64_t kStrBytesPerByte = int64_t(FJ_MAX_QUOTED_SIZE(1) - FJ_MAX_QUOTED_SIZE(0));
constexpr int64_t kStrExtraBytes = int64_t(FJ_MAX_QUOTED_SIZE(0));

// Guard branches are weighted so the fast path is laid out straight and fallbacks go cold.
constexpr uint32_t kLikely = 2000;
constexpr uint32_t kUnlikely = 1;

bool is_scalar_kind(Kind kind) {
  return kind == Kind::kNull || kind == Kind::kBool || kind == Kind::kInt || kind == Kind::kFloat ||
         kind == Kind::kStr;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kAny:
      return "any";
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kStr:
      return "str";
    case Kind::kList:
      return "list";
    case Kind::kTuple:
      return "tuple";
    case Kind::kDict:
      return "dict";
    case Kind::kObject:
      return "object";
    case Kind::kDataclass:
      return "dataclass";
    case Kind::kUnion:
      return "union";
    case Kind::kLiteral:
      return "literal";
    case Kind::kEnum:
      return "enum";
    case Kind::kInstance:
      return "instance";
    case Kind::kSet:
      return "set";
  }
  return "?";
}

// The exact-type categories a node's shallow match (the interpreter's `matches`) can accept.
Mask accepted_categories(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return bit(kCatNone);
    case Kind::kBool:
      return bit(kCatBool);
    case Kind::kInt:
      return bit(kCatInt);
    case Kind::kFloat:
      return bit(kCatFloat) | bit(kCatInt);  // ints are written as ints
    case Kind::kStr:
      return bit(kCatStr);
    case Kind::kList:
    case Kind::kTuple:
      return bit(kCatList) | bit(kCatTuple);
    case Kind::kDict:
    case Kind::kObject:
      return bit(kCatDict);
    case Kind::kLiteral:  // exact str/int/bool/None values
      return bit(kCatNone) | bit(kCatBool) | bit(kCatInt) | bit(kCatStr);
    case Kind::kEnum:
    case Kind::kDataclass:
    case Kind::kInstance:
    case Kind::kSet:
      return bit(kCatOther);  // instances of their class; set/frozenset
    case Kind::kAny:
    case Kind::kUnion:
      return kAllCategories;
  }
  return kAllCategories;
}

// What a scalar or union node does with a value of one category.
struct Action {
  enum Type : uint8_t { kFallback, kScalar, kCall } type = kFallback;
  NodeId target = 0;  // kCall: the container node to call
};

class Emitter {
 public:
  Emitter(const Schema& schema, llvm::LLVMContext& context, llvm::Module& module,
          const EmitOptions& options)
      : schema_(schema),
        context_(context),
        module_(module),
        options_(options),
        layout_(cpython_layout()),
        b_(context),
        ptr_(llvm::PointerType::getUnqual(context)),
        i8_(llvm::Type::getInt8Ty(context)),
        i32_(llvm::Type::getInt32Ty(context)),
        i64_(llvm::Type::getInt64Ty(context)),
        functions_(schema.nodes.size(), nullptr) {}

  llvm::Error run();

 private:
  // The function being emitted.
  struct Fn {
    Function* f;
    NodeId id;
    Value* ctx;
    Value* cur;
    Value* obj;
    Value* tail;
    BasicBlock* fallback = nullptr;  // the interpreter writes obj; built on first use
    BasicBlock* ret_null = nullptr;
  };
  // A str's UTF-8 bytes.
  struct StrView {
    Value* data;
    Value* length;
  };
  // A value checked as a scalar of some categories (branch-free). The write pass derives what
  // it writes from the value again (category, UTF-8 view): reloading a few hot fields is cheaper
  // than keeping every record member's details live across the reservation and the writes.
  struct Scalar {
    Value* ok = nullptr;     // i1: one of the categories, writable in line
    Value* bound = nullptr;  // i64 bytes (meaningful when ok)
  };

  // ---- analysis ----
  const Node& node(NodeId id) const { return schema_.nodes[id]; }
  std::optional<Mask> scalar_mask(NodeId id) const;
  std::vector<NodeId> union_alternatives(NodeId id) const;
  std::vector<Action> plan_value(NodeId id) const;
  template <class Visit>
  bool any_reachable(NodeId from, Visit&& visit) const;
  bool runs_python(NodeId id) const;
  bool needs_depth(NodeId id) const;
  // A list whose items are scalars (or unions of them): a leaf, written by emit_list's guard and
  // write passes.
  bool is_scalar_list(NodeId id) const {
    return node(id).kind == Kind::kList && scalar_mask(node(id).children.at(0)).has_value();
  }
  size_t container_height() const;
  // Far below the generic encoder's depth limit (1024): inferred shapes stop at 48 levels.
  static constexpr size_t kShallowShape = 256;
  mutable size_t height_ = 0;

  // ---- IR helpers ----
  void declare_imports();
  Function* node_function(NodeId id);
  llvm::CallInst* call_node(NodeId id, Value* ctx, Value* cur, Value* obj, Value* tail);
  Value* at(Value* base, int64_t offset) {
    return offset == 0 ? base : b_.CreateConstInBoundsGEP1_64(i8_, base, uint64_t(offset));
  }
  Value* at(Value* base, Value* offset) { return b_.CreateInBoundsGEP(i8_, base, offset); }
  Value* load(llvm::Type* type, Value* base, int64_t offset, unsigned align,
              const char* name = "") {
    return b_.CreateAlignedLoad(type, at(base, offset), llvm::Align(align), name);
  }
  Value* type_of(Value* obj) { return load(ptr_, obj, layout_.type, 8, "type"); }
  Value* item_at(Value* items, Value* i) {
    return b_.CreateAlignedLoad(ptr_, b_.CreateInBoundsGEP(ptr_, items, i), llvm::Align(8), "item");
  }
  Value* i64c(int64_t v) { return llvm::ConstantInt::get(i64_, uint64_t(v)); }
  llvm::ConstantInt* i8c(uint8_t v) { return llvm::ConstantInt::get(i8_, v); }
  Value* null() { return llvm::ConstantPointerNull::get(ptr_); }
  // Field `field`'s key object of node `id`, imported by name (key_symbol) rather than baked in
  // as an address, so the code is the same in every process and can be cached (jit/code_cache.h).
  llvm::Constant* key_ref(NodeId id, size_t field);
  BasicBlock* block(Fn& fn, const llvm::Twine& name) {
    return BasicBlock::Create(context_, name, fn.f);
  }
  void br_likely(Value* cond, BasicBlock* likely, BasicBlock* unlikely) {
    b_.CreateCondBr(cond, likely, unlikely,
                    llvm::MDBuilder(context_).createBranchWeights(kLikely, kUnlikely));
  }
  // Continues in a new block when cond holds; else goes to `otherwise`.
  void expect(Fn& fn, Value* cond, BasicBlock* otherwise, const char* name) {
    BasicBlock* next = block(fn, name);
    br_likely(cond, next, otherwise);
    b_.SetInsertPoint(next);
  }
  llvm::AllocaInst* entry_alloca(Fn& fn, llvm::Type* type, const char* name);
  Value* put_text(Value* cur, std::string_view text);
  Value* put_byte(Value* cur, char c) { return put_text(cur, std::string_view(&c, 1)); }
  BasicBlock* fallback_block(Fn& fn);
  void interpret_from(Fn& fn, Value* cur);
  BasicBlock* ret_null_block(Fn& fn);
  // The guard did not pass: make non-ASCII strs' UTF-8 ready and retry at `guard`, or fall back.
  void retry_or_fallback(Fn& fn, BasicBlock* guard, Value* values, Value* count, bool has_str);
  Value* reserve(Fn& fn, Value* cur, Value* n);  // returns null from fn on MemoryError
  void enter(Fn& fn);                            // fj_enter when depth is observable
  void leave(Fn& fn);
  void incref(Value* obj);
  void decref(Fn& fn, Value* obj);
  Value* close_container(Value* cur, Value* count, char bracket);
  // Emits `for (i = 0; i < count(); ++i) acc = body(i, acc);` and returns {acc, i} after it.
  template <class Count, class Body>
  std::pair<Value*, Value*> counted_loop(Fn& fn, const char* name, Value* start, Count&& count,
                                         Body&& body);

  // ---- scalars ----
  Scalar check_scalar(Value* obj, Mask mask);
  StrView str_view(Value* str);  // of a str check_scalar accepted
  Value* write_scalar(Fn& fn, Value* cur, Value* obj, Mask mask);
  Value* write_category(Value* cur, Value* obj, Category category);

  // ---- node functions ----
  void emit_function(NodeId id);
  void emit_value(Fn& fn);
  void emit_record(Fn& fn);
  void emit_list(Fn& fn);
  void emit_float_pair(Fn& fn, Value* items, Value* count);
  void emit_dict(Fn& fn);
  void emit_entry(Function* root);
  // Object fields into `vals` (borrowed; null for absent optional fields), or fallback.
  void load_object_values(Fn& fn, Value* vals);
  Value* sequence_items(Fn& fn, Value* type, BasicBlock* fallback);

  const Schema& schema_;
  llvm::LLVMContext& context_;
  llvm::Module& module_;
  const EmitOptions& options_;
  const CPythonLayout& layout_;
  llvm::IRBuilder<> b_;
  llvm::PointerType* ptr_;
  llvm::IntegerType* i8_;
  llvm::IntegerType* i32_;
  llvm::IntegerType* i64_;
  llvm::FunctionType* node_type_ = nullptr;
  std::vector<Function*> functions_;
  std::deque<NodeId> pending_;

  llvm::FunctionCallee reserve_, encode_node_, enter_, leave_, path_index_, path_key_, str_utf8_,
      put_str_, put_i64_, put_double_, put_double_pair_, tell_, seek_, object_values_, prepare_strs_,
      prepare_dict_, dict_next_, dealloc_;
  llvm::Constant *none_, *true_, *false_, *long_type_, *float_type_, *unicode_type_, *list_type_,
      *tuple_type_, *dict_type_, *blank_;
};

// ---------------------------------------------------------------------------------------------
// Analysis

std::optional<Mask> Emitter::scalar_mask(NodeId id) const {
  // A union of scalars writes a value the same way whichever alternative takes it, so only the
  // set of accepted categories matters.
  const Node& n = node(id);
  if (is_scalar_kind(n.kind)) return accepted_categories(n.kind);
  if (n.kind != Kind::kUnion) return std::nullopt;
  Mask mask = 0;
  for (NodeId alt : union_alternatives(id)) {
    if (!is_scalar_kind(node(alt).kind)) return std::nullopt;
    mask |= accepted_categories(node(alt).kind);
  }
  return mask;
}

std::vector<NodeId> Emitter::union_alternatives(NodeId id) const {
  // Nested unions flattened, in order (the interpreter tries them in this order too).
  std::vector<NodeId> out;
  std::vector<bool> seen(schema_.nodes.size(), false);
  auto visit = [&](auto&& self, NodeId u) -> void {
    if (seen[u]) return;
    seen[u] = true;
    for (NodeId alt : node(u).children) {
      if (node(alt).kind == Kind::kUnion) {
        self(self, alt);
      } else {
        out.push_back(alt);
      }
    }
  };
  visit(visit, id);
  return out;
}

std::vector<Action> Emitter::plan_value(NodeId id) const {
  // The interpreter writes a union's value as the first alternative whose shallow match accepts
  // it. Per category: a scalar first candidate is written inline; a list, dict or object one is
  // called (its shallow match is the type alone, so it is the interpreter's choice too); tuples
  // (matched by length too), literals (by value) and the rest go to the interpreter.
  const std::vector<NodeId> alts =
      node(id).kind == Kind::kUnion ? union_alternatives(id) : std::vector<NodeId>{id};
  std::vector<Action> plan(kNumCategories);
  for (int c = 0; c < kNumCategories; ++c) {
    for (NodeId alt : alts) {
      const Kind kind = node(alt).kind;
      if (!(accepted_categories(kind) & bit(Category(c)))) continue;
      if (is_scalar_kind(kind)) {
        plan[c] = {Action::kScalar, alt};
      } else if (kind == Kind::kList || kind == Kind::kDict || kind == Kind::kObject) {
        plan[c] = {Action::kCall, alt};
      }
      break;
    }
  }
  return plan;
}

template <class Visit>
bool Emitter::any_reachable(NodeId from, Visit&& visit) const {
  // visit(node id, on_stack) for every node reachable from `from` (itself included), in depth-first
  // order; on_stack tells a node reached again through a cycle. Stops at the first true.
  enum State : uint8_t { kNew, kOpen, kDone };
  std::vector<State> state(schema_.nodes.size(), kNew);
  auto dfs = [&](auto&& self, NodeId id) -> bool {
    if (state[id] == kOpen) return visit(id, true);
    if (state[id] == kDone) return false;
    if (visit(id, false)) return true;
    state[id] = kOpen;
    const Node& n = node(id);
    for (NodeId child : n.children) {
      if (self(self, child)) return true;
    }
    for (const schema::Field& field : n.fields) {
      if (self(self, field.node)) return true;
    }
    state[id] = kDone;
    return false;
  };
  return dfs(dfs, from);
}

size_t Emitter::container_height() const {
  // Containers on the longest path from the root (SIZE_MAX with a cycle); computed once.
  if (height_ != 0) return height_;
  enum State : uint8_t { kNew, kOpen, kDone };
  std::vector<State> state(schema_.nodes.size(), kNew);
  std::vector<size_t> below(schema_.nodes.size(), 0);
  auto dfs = [&](auto&& self, NodeId id) -> size_t {
    if (state[id] == kOpen) return SIZE_MAX;
    if (state[id] == kDone) return below[id];
    state[id] = kOpen;
    size_t deepest = 0;
    for (NodeId child : node(id).children) deepest = std::max(deepest, self(self, child));
    const Kind kind = node(id).kind;
    const bool container = kind == Kind::kList || kind == Kind::kDict || kind == Kind::kObject ||
                           kind == Kind::kTuple || kind == Kind::kSet;
    state[id] = kDone;
    below[id] = deepest == SIZE_MAX ? SIZE_MAX : deepest + (container ? 1 : 0);
    return below[id];
  };
  height_ = std::max<size_t>(dfs(dfs, schema_.root), 1);
  return height_;
}

bool Emitter::runs_python(NodeId id) const {
  // Whether writing the node may run Python code (enum .value, dataclass attributes, an `any`
  // value's subclass methods), which could drop references the caller only borrows.
  // Inferred shapes fall back to the generic encoder at any failed guard: a container value may
  // turn out to be a subclass whose items() runs Python; a scalar's fallback runs none.
  if (schema_.generic_fallback) return !scalar_mask(id).has_value();
  return any_reachable(id, [&](NodeId at, bool) {
    const Kind kind = node(at).kind;
    return kind == Kind::kAny || kind == Kind::kEnum || kind == Kind::kDataclass ||
           kind == Kind::kInstance || kind == Kind::kSet;
  });
}

bool Emitter::needs_depth(NodeId id) const {
  // The depth limit and cycle check are observable only through `any` and enum values and
  // schema cycles (jit_abi.h): containers that reach none of them skip fj_enter/fj_leave.
  // Inferred shapes may hand any value to the generic encoder, which counts depth itself: their
  // containers count too, except a sequence of scalars, whose guard hands the whole sequence over
  // before it is entered, so its own level is the only one it could add. That level is within
  // the limit when the shape's deepest container path is (the shape encoder's root is a dumps
  // call's top-level value, at depth 0). canada.json has 56,000 [lon, lat] pairs per document,
  // and fj_enter + fj_leave were ~20 of the ~100 instructions each one took.
  if (schema_.generic_fallback)
    return !(is_scalar_list(id) && container_height() < kShallowShape);
  return any_reachable(id, [&](NodeId at, bool cycle) {
    return cycle || node(at).kind == Kind::kAny || node(at).kind == Kind::kEnum;
  });
}

// ---------------------------------------------------------------------------------------------
// IR helpers

void Emitter::declare_imports() {
  auto fn = [&](std::string_view name, llvm::Type* ret, llvm::ArrayRef<llvm::Type*> params) {
    llvm::FunctionCallee callee = module_.getOrInsertFunction(
        llvm::StringRef(name.data(), name.size()), llvm::FunctionType::get(ret, params, false));
    llvm::cast<Function>(callee.getCallee())->addFnAttr(llvm::Attribute::NoUnwind);
    return callee;
  };
  llvm::Type* void_ = llvm::Type::getVoidTy(context_);
  llvm::Type* f64 = llvm::Type::getDoubleTy(context_);
  reserve_ = fn(symbols::kReserve, ptr_, {ptr_, ptr_, i64_});
  encode_node_ = fn(symbols::kEncodeNode, ptr_, {ptr_, ptr_, i32_, ptr_});
  enter_ = fn(symbols::kEnter, i32_, {ptr_, ptr_});
  leave_ = fn(symbols::kLeave, void_, {ptr_});
  path_index_ = fn(symbols::kPathIndex, void_, {ptr_, i64_});
  path_key_ = fn(symbols::kPathKey, void_, {ptr_, ptr_});
  str_utf8_ = fn(symbols::kStrUtf8, ptr_, {ptr_, ptr_, ptr_});
  put_str_ = fn(symbols::kPutStr, ptr_, {ptr_, ptr_, i64_});
  put_i64_ = fn(symbols::kPutI64, ptr_, {ptr_, i64_});
  put_double_ = fn(symbols::kPutDouble, ptr_, {ptr_, f64});
  put_double_pair_ = fn(symbols::kPutDoublePair, ptr_, {ptr_, f64, f64});
  tell_ = fn(symbols::kTell, i64_, {ptr_, ptr_});
  seek_ = fn(symbols::kSeek, ptr_, {ptr_, i64_});
  object_values_ = fn(symbols::kObjectValues, i32_, {ptr_, ptr_, ptr_, i64_, ptr_});
  prepare_strs_ = fn(symbols::kPrepareStrs, i32_, {ptr_, ptr_, i64_, ptr_});
  prepare_dict_ = fn(symbols::kPrepareDict, i32_, {ptr_, ptr_, ptr_});
  dict_next_ = fn(symbols::kDictNext, i32_, {ptr_, ptr_, ptr_, ptr_});
  dealloc_ = fn(symbols::kDealloc, void_, {ptr_});
  auto global = [&](std::string_view name) -> llvm::Constant* {
    auto* g = llvm::cast<llvm::GlobalVariable>(
        module_.getOrInsertGlobal(llvm::StringRef(name.data(), name.size()), i8_));
    if (options_.low_address_symbols.count(std::string(name))) {
      // Known to sit below 2 GiB (CPython's static types in a non-PIE python): compared as
      // 32-bit immediates instead of loaded from the GOT.
      llvm::Metadata* range[] = {
          llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(i64_, 0)),
          llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(i64_, uint64_t(1) << 31))};
      g->setMetadata(llvm::LLVMContext::MD_absolute_symbol, llvm::MDNode::get(context_, range));
      g->setDSOLocal(true);
    }
    return g;
  };
  none_ = global(symbols::kNone);
  true_ = global(symbols::kTrue);
  false_ = global(symbols::kFalse);
  long_type_ = global(symbols::kLongType);
  float_type_ = global(symbols::kFloatType);
  unicode_type_ = global(symbols::kUnicodeType);
  list_type_ = global(symbols::kListType);
  tuple_type_ = global(symbols::kTupleType);
  dict_type_ = global(symbols::kDictType);
  blank_ = global(symbols::kBlank);
  node_type_ = llvm::FunctionType::get(ptr_, {ptr_, ptr_, ptr_, i64_}, false);
}

llvm::Constant* Emitter::key_ref(NodeId id, size_t field) {
  auto* g = llvm::cast<llvm::GlobalVariable>(module_.getOrInsertGlobal(key_symbol(id, field), i8_));
  if (options_.absolute_key_symbols && !g->hasMetadata(llvm::LLVMContext::MD_absolute_symbol)) {
    // An absolute symbol of unknown range (the pair -1, -1 is the full set): codegen references it
    // directly, a 64-bit immediate (movabs) with an R_X86_64_64 relocation, exactly what the
    // address constant compiled to; a plain global would be loaded from the GOT. FastISel cannot
    // materialize absolute symbols, hence not at -O0 (see EmitOptions).
    llvm::Metadata* full[] = {
        llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(i64_, ~uint64_t(0))),
        llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(i64_, ~uint64_t(0)))};
    g->setMetadata(llvm::LLVMContext::MD_absolute_symbol, llvm::MDNode::get(context_, full));
    g->setDSOLocal(true);
  }
  return g;
}

Function* Emitter::node_function(NodeId id) {
  if (functions_[id] != nullptr) return functions_[id];
  Function* f =
      Function::Create(node_type_, Function::InternalLinkage,
                       std::string(kind_name(node(id).kind)) + "." + std::to_string(id), module_);
  // The C convention, not fastcc: FastISel lowers only C-convention arguments (-O0 codegen).
  f->addFnAttr(llvm::Attribute::NoUnwind);
  // A list of scalars is a leaf called once per item of its parent (canada.json: 56,000 [lon, lat]
  // pairs per document): inlined there by the optimizing tier's pipeline (jit/compile.cpp), the
  // call, its register saves and the argument moves go (~15 instructions per pair, callgrind).
  if (is_scalar_list(id)) f->addFnAttr(llvm::Attribute::AlwaysInline);
  functions_[id] = f;
  pending_.push_back(id);
  return f;
}

llvm::CallInst* Emitter::call_node(NodeId id, Value* ctx, Value* cur, Value* obj, Value* tail) {
  return b_.CreateCall(node_function(id), {ctx, cur, obj, tail});
}

llvm::AllocaInst* Emitter::entry_alloca(Fn& fn, llvm::Type* type, const char* name) {
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  b_.SetInsertPoint(&fn.f->getEntryBlock(), fn.f->getEntryBlock().begin());
  return b_.CreateAlloca(type, nullptr, name);
}

Value* Emitter::put_text(Value* cur, std::string_view text) {
  // Constant text as immediate stores, 8 bytes at a time (x86-64 is little-endian).
  for (size_t i = 0; i < text.size();) {
    const size_t left = text.size() - i;
    const size_t n = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
    uint64_t bits = 0;
    std::memcpy(&bits, text.data() + i, n);
    b_.CreateAlignedStore(
        llvm::ConstantInt::get(llvm::IntegerType::get(context_, unsigned(n * 8)), bits),
        at(cur, int64_t(i)), llvm::Align(1));
    i += n;
  }
  return at(cur, int64_t(text.size()));
}

BasicBlock* Emitter::ret_null_block(Fn& fn) {
  if (fn.ret_null == nullptr) {
    llvm::IRBuilderBase::InsertPointGuard guard(b_);
    fn.ret_null = block(fn, "ret.null");
    b_.SetInsertPoint(fn.ret_null);
    b_.CreateRet(null());
  }
  return fn.ret_null;
}

BasicBlock* Emitter::fallback_block(Fn& fn) {
  // The interpreter writes this node from the untouched cursor (at the parent's depth: this
  // function has not entered yet), then the caller's tail is reserved again.
  if (fn.fallback == nullptr) {
    llvm::IRBuilderBase::InsertPointGuard guard(b_);
    fn.fallback = block(fn, "fallback");
    b_.SetInsertPoint(fn.fallback);
    interpret_from(fn, fn.cur);
  }
  return fn.fallback;
}

void Emitter::interpret_from(Fn& fn, Value* cur) {
  // The interpreter writes the node at cur and returns; then the caller's tail is reserved.
  Value* out =
      b_.CreateCall(encode_node_, {fn.ctx, cur, b_.getInt32(fn.id), fn.obj}, "interpreted");
  expect(fn, b_.CreateIsNotNull(out), ret_null_block(fn), "interpreted.ok");
  b_.CreateRet(b_.CreateCall(reserve_, {fn.ctx, out, fn.tail}));
}

void Emitter::retry_or_fallback(Fn& fn, BasicBlock* guard, Value* values, Value* count,
                                bool has_str) {
  // A non-ASCII str whose UTF-8 is not cached fails the branch-free check; once the helper has
  // made it (CPython caches it in the str), the check passes. A str that has no UTF-8 form
  // (lone surrogates) is left to the interpreter, which reports it unless an earlier value fails
  // first. values == nullptr: obj is a dict whose keys and values are prepared.
  if (!has_str) {
    b_.CreateBr(fallback_block(fn));
    return;
  }
  Value* converted =
      values ? b_.CreateCall(prepare_strs_, {fn.ctx, values, count, str_utf8_.getCallee()})
             : b_.CreateCall(prepare_dict_, {fn.ctx, fn.obj, str_utf8_.getCallee()});
  b_.CreateCondBr(b_.CreateICmpNE(converted, b_.getInt32(0)), guard, fallback_block(fn));
}

Value* Emitter::reserve(Fn& fn, Value* cur, Value* n) {
  if (options_.writer_end_offset == 0) {
    Value* out = b_.CreateCall(reserve_, {fn.ctx, cur, n}, "room");
    expect(fn, b_.CreateIsNotNull(out), ret_null_block(fn), "reserved");
    return out;
  }
  // The room test of Writer::reserve in line, on the writer's usable end read from the context:
  // a call per container was ~14 instructions (canada.json: 56,000 [lon, lat] lists per
  // document). Signed: after a separator written in the slack the cursor may stand past the end.
  Value* end = load(ptr_, fn.ctx, int64_t(options_.writer_end_offset), 8, "end");
  Value* room = b_.CreateSub(b_.CreatePtrToInt(end, i64_), b_.CreatePtrToInt(cur, i64_), "room");
  BasicBlock* here = b_.GetInsertBlock();
  BasicBlock* grow = block(fn, "grow");
  BasicBlock* ready = block(fn, "room.ok");
  br_likely(b_.CreateICmpSGE(room, n), ready, grow);
  b_.SetInsertPoint(grow);
  Value* grown = b_.CreateCall(reserve_, {fn.ctx, cur, n}, "grown");
  BasicBlock* grown_ok = block(fn, "grown.ok");
  br_likely(b_.CreateIsNotNull(grown), grown_ok, ret_null_block(fn));
  b_.SetInsertPoint(grown_ok);
  b_.CreateBr(ready);
  b_.SetInsertPoint(ready);
  llvm::PHINode* out = b_.CreatePHI(ptr_, 2, "cur.room");
  out->addIncoming(cur, here);
  out->addIncoming(grown, grown_ok);
  return out;
}

void Emitter::enter(Fn& fn) {
  if (!needs_depth(fn.id)) return;
  Value* status = b_.CreateCall(enter_, {fn.ctx, fn.obj}, "entered");
  expect(fn, b_.CreateICmpEQ(status, b_.getInt32(0)), ret_null_block(fn), "inside");
}

void Emitter::leave(Fn& fn) {
  if (needs_depth(fn.id)) b_.CreateCall(leave_, {fn.ctx});
}

void Emitter::incref(Value* obj) {
  Value* count = load(i64_, obj, layout_.refcnt, 8);
  b_.CreateAlignedStore(b_.CreateAdd(count, i64c(1)), at(obj, layout_.refcnt), llvm::Align(8));
}

void Emitter::decref(Fn& fn, Value* obj) {
  Value* count = b_.CreateSub(load(i64_, obj, layout_.refcnt, 8), i64c(1));
  b_.CreateAlignedStore(count, at(obj, layout_.refcnt), llvm::Align(8));
  BasicBlock* dealloc = block(fn, "dealloc");
  BasicBlock* done = block(fn, "decref.done");
  br_likely(b_.CreateICmpNE(count, i64c(0)), done, dealloc);
  b_.SetInsertPoint(dealloc);
  b_.CreateCall(dealloc_, {obj});
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

Value* Emitter::close_container(Value* cur, Value* count, char bracket) {
  // Items are each followed by ','; the last ',' becomes the bracket (an empty container gets
  // the bracket at cur).
  Value* empty = b_.CreateICmpEQ(count, i64c(0));
  b_.CreateAlignedStore(i8c(uint8_t(bracket)), b_.CreateSelect(empty, cur, at(cur, -1)),
                        llvm::Align(1));
  return b_.CreateSelect(empty, at(cur, 1), cur);
}

template <class Count, class Body>
std::pair<Value*, Value*> Emitter::counted_loop(Fn& fn, const char* name, Value* start,
                                                Count&& count, Body&& body) {
  BasicBlock* before = b_.GetInsertBlock();
  BasicBlock* head = block(fn, llvm::Twine(name) + ".head");
  BasicBlock* body_block = block(fn, llvm::Twine(name) + ".body");
  BasicBlock* after = block(fn, llvm::Twine(name) + ".end");
  b_.CreateBr(head);
  b_.SetInsertPoint(head);
  llvm::PHINode* i = b_.CreatePHI(i64_, 2, "i");
  i->addIncoming(i64c(0), before);
  llvm::PHINode* acc = b_.CreatePHI(start->getType(), 2, "acc");
  acc->addIncoming(start, before);
  b_.CreateCondBr(b_.CreateICmpSLT(i, count()), body_block, after);
  b_.SetInsertPoint(body_block);
  Value* next = body(static_cast<Value*>(i), static_cast<Value*>(acc));
  i->addIncoming(b_.CreateAdd(i, i64c(1)), b_.GetInsertBlock());
  acc->addIncoming(next, b_.GetInsertBlock());
  b_.CreateBr(head);
  b_.SetInsertPoint(after);
  return {acc, i};
}

// ---------------------------------------------------------------------------------------------
// Scalars

Emitter::Scalar Emitter::check_scalar(Value* obj, Mask mask) {
  // Branch-free: every category's test is computed and the results combined. A field is read
  // through select(is_type, obj, type object): a value of another type is never read past its
  // header (None is only 16 bytes); the type object (static, > 64 bytes) stands in, and what is
  // read from it is discarded.
  Value* type = type_of(obj);
  Scalar out;
  for (Category c : kScalarOrder) {
    if (!(mask & bit(c))) continue;
    Value* is = nullptr;
    Value* valid = nullptr;
    Value* bound = nullptr;
    switch (c) {
      case kCatStr: {
        // Compact ASCII: the characters follow the header. Other strs: CPython's cached UTF-8
        // (made by fj_str_utf8 on a retry when missing).
        is = b_.CreateICmpEQ(type, unicode_type_);
        Value* s = b_.CreateSelect(is, obj, unicode_type_);
        Value* state = load(i32_, s, layout_.str_state, 4, "state");
        Value* ascii_mask = b_.getInt32(layout_.compact_ascii_mask);
        Value* ascii = b_.CreateICmpEQ(b_.CreateAnd(state, ascii_mask), ascii_mask, "ascii");
        valid = b_.CreateOr(ascii, b_.CreateIsNotNull(load(ptr_, s, layout_.utf8, 8, "utf8")));
        Value* length = b_.CreateSelect(ascii, load(i64_, s, layout_.str_length, 8),
                                        load(i64_, s, layout_.utf8_length, 8), "length");
        bound = b_.CreateAdd(b_.CreateMul(length, i64c(kStrBytesPerByte)), i64c(kStrExtraBytes));
        break;
      }
      case kCatInt: {
        // CPython 3.11 keeps the digit count and sign in ob_size. One or two 30-bit digits
        // (|v| < 2**60) are written in line; bigger ints are rare: the interpreter's.
        is = b_.CreateICmpEQ(type, long_type_);
        Value* size =
            load(i64_, b_.CreateSelect(is, obj, long_type_), layout_.var_size, 8, "ndigits");
        valid = b_.CreateICmpULE(b_.CreateAdd(size, i64c(2)), i64c(4));
        bound = i64c(kIntBytes);
        break;
      }
      case kCatFloat: {
        // NaN and ±inf (exponent bits all ones) are the interpreter's to reject, with its
        // message. Tested on the bits: FastISel has no fabs, and would hand the block over.
        is = b_.CreateICmpEQ(type, float_type_);
        Value* bits =
            load(i64_, b_.CreateSelect(is, obj, float_type_), layout_.float_value, 8, "fbits");
        const uint64_t exponent = 0x7FF0000000000000ull;
        valid =
            b_.CreateICmpNE(b_.CreateAnd(bits, i64c(int64_t(exponent))), i64c(int64_t(exponent)));
        bound = i64c(kFloatBytes);
        break;
      }
      case kCatNone:
        is = b_.CreateICmpEQ(obj, none_);
        bound = i64c(kNullBytes);
        break;
      default:
        is = b_.CreateOr(b_.CreateICmpEQ(obj, true_), b_.CreateICmpEQ(obj, false_));
        bound = i64c(kBoolBytes);
        break;
    }
    Value* ok = valid ? b_.CreateAnd(is, valid) : is;
    out.ok = out.ok ? b_.CreateOr(out.ok, ok) : ok;
    out.bound = out.bound ? b_.CreateSelect(is, bound, out.bound) : bound;
  }
  return out;
}

Emitter::StrView Emitter::str_view(Value* str) {
  Value* state = load(i32_, str, layout_.str_state, 4, "state");
  Value* ascii_mask = b_.getInt32(layout_.compact_ascii_mask);
  Value* ascii = b_.CreateICmpEQ(b_.CreateAnd(state, ascii_mask), ascii_mask, "ascii");
  Value* data =
      b_.CreateSelect(ascii, at(str, layout_.ascii_data), load(ptr_, str, layout_.utf8, 8), "data");
  Value* length = b_.CreateSelect(ascii, load(i64_, str, layout_.str_length, 8),
                                  load(i64_, str, layout_.utf8_length, 8), "length");
  return {data, length};
}

Value* Emitter::write_scalar(Fn& fn, Value* cur, Value* obj, Mask mask) {
  // The value passed check_scalar: test its category again (a compare chain, not a switch, which
  // FastISel cannot select), the last one without a test.
  mask &= kScalarCategories;
  BasicBlock* done = block(fn, "written");
  llvm::SmallVector<std::pair<BasicBlock*, Value*>, 5> incoming;
  Value* type = nullptr;
  int left = __builtin_popcount(mask);
  for (Category c : kScalarOrder) {
    if (!(mask & bit(c))) continue;
    BasicBlock* next = nullptr;
    if (--left > 0) {
      if (type == nullptr && c != kCatNone && c != kCatBool) type = type_of(obj);
      Value* is = c == kCatStr     ? b_.CreateICmpEQ(type, unicode_type_)
                  : c == kCatInt   ? b_.CreateICmpEQ(type, long_type_)
                  : c == kCatFloat ? b_.CreateICmpEQ(type, float_type_)
                  : c == kCatNone
                      ? b_.CreateICmpEQ(obj, none_)
                      : b_.CreateOr(b_.CreateICmpEQ(obj, true_), b_.CreateICmpEQ(obj, false_));
      BasicBlock* write = block(fn, "write.scalar");
      next = block(fn, "next.scalar");
      b_.CreateCondBr(is, write, next);
      b_.SetInsertPoint(write);
    }
    Value* out = write_category(cur, obj, c);
    incoming.emplace_back(b_.GetInsertBlock(), out);
    b_.CreateBr(done);
    if (next != nullptr) b_.SetInsertPoint(next);
  }
  b_.SetInsertPoint(done);
  if (incoming.size() == 1) return incoming[0].second;
  llvm::PHINode* out = b_.CreatePHI(ptr_, unsigned(incoming.size()), "cur");
  for (auto& [from, v] : incoming) out->addIncoming(v, from);
  return out;
}

Value* Emitter::write_category(Value* cur, Value* obj, Category category) {
  switch (category) {
    case kCatNone:
      return put_text(cur, "null");
    case kCatBool: {
      // "true" or "fals" as one store, then 'e' (past "true" it is scratch within the bound).
      uint32_t t, f;
      std::memcpy(&t, "true", 4);
      std::memcpy(&f, "fals", 4);
      Value* is_true = b_.CreateICmpEQ(obj, true_);
      b_.CreateAlignedStore(b_.CreateSelect(is_true, b_.getInt32(t), b_.getInt32(f)), cur,
                            llvm::Align(1));
      b_.CreateAlignedStore(i8c('e'), at(cur, 4), llvm::Align(1));
      return at(cur, b_.CreateSelect(is_true, i64c(4), i64c(5)));
    }
    case kCatInt: {
      // One or two digits (the guard checked): |v| = d0 | d1 << 30, sign from ob_size. Digit 1 is
      // read even for one-digit ints (CPython's allocations are 8-byte granular; 0..256 are
      // static objects) and discarded by the select.
      Value* size = load(i64_, obj, layout_.var_size, 8, "ndigits");
      Value* d0 = b_.CreateZExt(load(i32_, obj, layout_.long_digits, 4), i64_);
      Value* d1 = b_.CreateZExt(load(i32_, obj, layout_.long_digits + 4, 4), i64_);
      Value* negative = b_.CreateICmpSLT(size, i64c(0));
      Value* ndigits = b_.CreateSelect(negative, b_.CreateNeg(size), size);
      Value* high = b_.CreateSelect(b_.CreateICmpEQ(ndigits, i64c(2)),
                                    b_.CreateShl(d1, i64c(layout_.long_shift)), i64c(0));
      Value* magnitude =
          b_.CreateSelect(b_.CreateICmpEQ(ndigits, i64c(0)), i64c(0), b_.CreateOr(d0, high));
      return b_.CreateCall(put_i64_,
                           {cur, b_.CreateSelect(negative, b_.CreateNeg(magnitude), magnitude)});
    }
    case kCatFloat:
      return b_.CreateCall(put_double_, {cur, load(b_.getDoubleTy(), obj, layout_.float_value, 8)});
    case kCatStr: {
      const StrView view = str_view(obj);
      return b_.CreateCall(put_str_, {cur, view.data, view.length});
    }
    default:
      break;
  }
  llvm_unreachable("not a scalar category");
}

// ---------------------------------------------------------------------------------------------
// Node functions

void Emitter::emit_function(NodeId id) {
  Function* f = functions_[id];
  Fn fn{f, id, f->getArg(0), f->getArg(1), f->getArg(2), f->getArg(3)};
  fn.ctx->setName("ctx");
  fn.cur->setName("cur");
  fn.obj->setName("obj");
  fn.tail->setName("tail");
  b_.SetInsertPoint(block(fn, "entry"));
  switch (node(id).kind) {
    case Kind::kObject:
    case Kind::kTuple:
      return emit_record(fn);
    case Kind::kList:
      return emit_list(fn);
    case Kind::kDict:
      return emit_dict(fn);
    case Kind::kAny:
    case Kind::kLiteral:
    case Kind::kEnum:
    case Kind::kDataclass:
    case Kind::kInstance:
    case Kind::kSet:
      // Written by the interpreter: `any`, literal and enum values, dataclass attributes, the
      // rarer types (datetime, UUID, Decimal: runtime/encode_*.cpp) and sets.
      b_.CreateBr(fallback_block(fn));
      return;
    default:
      return emit_value(fn);  // scalars and unions
  }
}

void Emitter::emit_value(Fn& fn) {
  // A scalar or union node as a whole value: dispatch on the exact type, then write a scalar
  // (check, reserve, write) or call the container alternative that takes it.
  const std::vector<Action> plan = plan_value(fn.id);
  Mask scalars = 0;
  for (int c = 0; c < kNumCategories; ++c) {
    if (plan[c].type == Action::kScalar) scalars |= bit(Category(c));
  }
  BasicBlock* containers = block(fn, "containers");
  if (scalars != 0) {
    BasicBlock* guard = block(fn, "guard");
    b_.CreateBr(guard);
    b_.SetInsertPoint(guard);
    const Scalar scalar = check_scalar(fn.obj, scalars);
    BasicBlock* mismatch = block(fn, "mismatch");
    expect(fn, scalar.ok, mismatch, "accepted");
    Value* cur = reserve(fn, fn.cur, b_.CreateAdd(scalar.bound, fn.tail));
    b_.CreateRet(write_scalar(fn, cur, fn.obj, scalars));
    // Not a scalar it takes in line: an uncached non-ASCII str is prepared and retried; other
    // values try the containers.
    b_.SetInsertPoint(mismatch);
    if (scalars & bit(kCatStr)) {
      Value* slot = entry_alloca(fn, ptr_, "value.slot");
      b_.CreateAlignedStore(fn.obj, slot, llvm::Align(8));
      Value* converted =
          b_.CreateCall(prepare_strs_, {fn.ctx, slot, i64c(1), str_utf8_.getCallee()});
      b_.CreateCondBr(b_.CreateICmpNE(converted, b_.getInt32(0)), guard, containers);
    } else {
      b_.CreateBr(containers);
    }
  } else {
    b_.CreateBr(containers);
  }
  b_.SetInsertPoint(containers);
  Value* type = type_of(fn.obj);
  for (Category c : {kCatDict, kCatList, kCatTuple}) {
    if (plan[c].type != Action::kCall) continue;
    llvm::Constant* expected = c == kCatDict   ? dict_type_
                               : c == kCatList ? list_type_
                                               : tuple_type_;
    BasicBlock* call = block(fn, "call");
    BasicBlock* next = block(fn, "next");
    b_.CreateCondBr(b_.CreateICmpEQ(type, expected), call, next);
    b_.SetInsertPoint(call);
    llvm::CallInst* out = call_node(plan[c].target, fn.ctx, fn.cur, fn.obj, fn.tail);
    out->setTailCall();
    b_.CreateRet(out);
    b_.SetInsertPoint(next);
  }
  b_.CreateBr(fallback_block(fn));
}

void Emitter::emit_entry(Function* root) {
  Function* entry = Function::Create(llvm::FunctionType::get(ptr_, {ptr_, ptr_, ptr_}, false),
                                     Function::ExternalLinkage, options_.entry_name, module_);
  entry->addFnAttr(llvm::Attribute::NoUnwind);
  b_.SetInsertPoint(BasicBlock::Create(context_, "entry", entry));
  b_.CreateRet(
      b_.CreateCall(root, {entry->getArg(0), entry->getArg(1), entry->getArg(2), i64c(0)}));
}

// A member of a record: an object field or a fixed-length tuple item.
struct Member {
  std::string_view encoded;  // object fields: "\"key\":"; tuple items: empty
  NodeId node;
  bool required;  // object fields: member i is field i (its key: key_ref(node, i))
  std::optional<Mask> scalar;
};

// The item array of an exact list (ob_item, a pointer) or tuple (inline ob_item); any other type
// goes to `fallback`. Leaves the builder in the block where the items are known.
Value* Emitter::sequence_items(Fn& fn, Value* type, BasicBlock* fallback) {
  BasicBlock* list = block(fn, "list");
  BasicBlock* not_list = block(fn, "not.list");
  BasicBlock* tuple = block(fn, "tuple");
  BasicBlock* sized = block(fn, "items");
  br_likely(b_.CreateICmpEQ(type, list_type_), list, not_list);
  b_.SetInsertPoint(not_list);
  br_likely(b_.CreateICmpEQ(type, tuple_type_), tuple, fallback);
  b_.SetInsertPoint(list);
  Value* list_items = load(ptr_, fn.obj, layout_.list_items, 8, "items");
  b_.CreateBr(sized);
  b_.SetInsertPoint(tuple);
  Value* tuple_items = at(fn.obj, layout_.tuple_items);
  b_.CreateBr(sized);
  b_.SetInsertPoint(sized);
  llvm::PHINode* items = b_.CreatePHI(ptr_, 2, "items");
  items->addIncoming(list_items, list);
  items->addIncoming(tuple_items, tuple);
  return items;
}

void Emitter::emit_record(Fn& fn) {
  const Node& n = node(fn.id);
  const bool is_object = n.kind == Kind::kObject;
  std::vector<Member> members;
  if (is_object) {
    for (const schema::Field& f : n.fields) {
      members.push_back({f.encoded, f.node, f.required, scalar_mask(f.node)});
    }
  } else {
    for (NodeId item : n.children) members.push_back({"", item, true, scalar_mask(item)});
  }
  const size_t count = members.size();
  BasicBlock* fallback = fallback_block(fn);
  BasicBlock* guard = block(fn, "guard");

  // 1. The values, borrowed from the container: `values_at` points at them (the vals array for
  // objects, the item array for tuples).
  Value* values_at = nullptr;
  if (is_object) {
    llvm::AllocaInst* vals = entry_alloca(fn, llvm::ArrayType::get(ptr_, count), "vals");
    expect(fn, b_.CreateICmpEQ(type_of(fn.obj), dict_type_), fallback, "dict");
    load_object_values(fn, vals);
    values_at = vals;
  } else {
    Value* type = type_of(fn.obj);
    Value* items = sequence_items(fn, type, fallback);
    expect(fn, b_.CreateICmpEQ(load(i64_, fn.obj, layout_.var_size, 8), i64c(int64_t(count))),
           fallback, "right.length");
    values_at = items;
  }
  b_.CreateBr(guard);

  // 2. Guard pass (branch-free): scalar members' exact types, and the byte bound of each segment
  // (the text and scalars before the next container member, whose call reserves the following
  // segment as its tail). Members are written in order, each after a ',' unless first written.
  b_.SetInsertPoint(guard);
  std::vector<Value*> values(count), present(count, nullptr);
  std::vector<Value*> segment_bounds{i64c(1)};  // '{' or '['
  Value* accepted = b_.getTrue();               // folded away by the first and
  bool certain_before = false;                  // a required member comes earlier
  bool possible_before = false;                 // an optional member comes earlier
  bool has_str = false;
  for (size_t i = 0; i < count; ++i) {
    const Member& m = members[i];
    values[i] = item_at(values_at, i64c(int64_t(i)));
    Value* bound = i64c(int64_t(m.encoded.size()) + (certain_before || possible_before ? 1 : 0));
    Value* value = values[i];
    if (!m.required) {
      present[i] = b_.CreateIsNotNull(values[i], "present");
      value = b_.CreateSelect(present[i], values[i], blank_);
    }
    if (m.scalar) {
      const Scalar checked = check_scalar(value, *m.scalar);
      has_str = has_str || (*m.scalar & bit(kCatStr));
      Value* ok = checked.ok;
      Value* value_bound = checked.bound;
      if (!m.required) {
        ok = b_.CreateOr(b_.CreateNot(present[i]), ok);
        value_bound = b_.CreateSelect(present[i], value_bound, i64c(0));
      }
      accepted = b_.CreateAnd(ok, accepted);
      bound = b_.CreateAdd(bound, value_bound);
    }
    segment_bounds.back() = b_.CreateAdd(segment_bounds.back(), bound);
    if (!m.scalar) segment_bounds.push_back(i64c(0));
    (m.required ? certain_before : possible_before) = true;
  }
  segment_bounds.back() = b_.CreateAdd(segment_bounds.back(), b_.CreateAdd(fn.tail, i64c(1)));
  BasicBlock* rejected = block(fn, "rejected");
  expect(fn, accepted, rejected, "accepted");
  {
    llvm::IRBuilderBase::InsertPointGuard keep(b_);
    b_.SetInsertPoint(rejected);
    retry_or_fallback(fn, guard, values_at, i64c(int64_t(count)), has_str);
  }

  // 3. Accepted: one container level, one reservation. While a member that may run Python code
  // is written, that code could drop the container's references to its values: hold our own.
  enter(fn);
  Value* cur = reserve(fn, fn.cur, segment_bounds[0]);
  bool hold = false;
  for (const Member& m : members) hold = hold || (!m.scalar && runs_python(m.node));
  auto for_each_present = [&](auto&& action) {
    for (size_t i = 0; i < count; ++i) {
      if (members[i].required) {
        action(values[i]);
        continue;
      }
      BasicBlock* yes = block(fn, "present");
      BasicBlock* done = block(fn, "present.done");
      b_.CreateCondBr(present[i], yes, done);
      b_.SetInsertPoint(yes);
      action(values[i]);
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
    }
  };
  if (hold) for_each_present([&](Value* v) { incref(v); });
  // Member i failed: name it in the path, release what we hold, return null.
  auto failed = [&](size_t i) {
    llvm::IRBuilderBase::InsertPointGuard keep(b_);
    BasicBlock* bb = block(fn, "member.failed");
    b_.SetInsertPoint(bb);
    if (is_object) {
      b_.CreateCall(path_key_, {fn.ctx, key_ref(fn.id, i)});
    } else {
      b_.CreateCall(path_index_, {fn.ctx, i64c(int64_t(i))});
    }
    if (hold) for_each_present([&](Value* v) { decref(fn, v); });
    b_.CreateRet(null());
    return bb;
  };

  // 4. Write pass.
  size_t segment = 0;
  certain_before = possible_before = false;
  Value* any_written = b_.getFalse();  // whether an optional member was written (if it matters)
  std::string text(1, is_object ? '{' : '[');  // constant text not stored yet
  for (size_t i = 0; i < count; ++i) {
    const Member& m = members[i];
    BasicBlock* absent = nullptr;
    Value* cur_before = nullptr;
    Value* any_before = any_written;
    if (!m.required) {
      cur = put_text(cur, text);
      text.clear();
      cur_before = cur;
      BasicBlock* write = block(fn, "member");
      absent = block(fn, "member.absent");
      b_.CreateCondBr(present[i], write, absent);
      b_.SetInsertPoint(write);
    }
    if (certain_before) {
      text += ',';
    } else if (possible_before) {
      // Only optional members before: a ',' if one of them was written (stored always, kept
      // only then).
      cur = put_text(cur, text);
      text.clear();
      b_.CreateAlignedStore(i8c(','), cur, llvm::Align(1));
      cur = at(cur, b_.CreateZExt(any_written, i64_));
    }
    text += m.encoded;
    cur = put_text(cur, text);
    text.clear();
    if (m.scalar) {
      cur = write_scalar(fn, cur, values[i], *m.scalar);
    } else {
      ++segment;
      Value* out = call_node(m.node, fn.ctx, cur, values[i], segment_bounds[segment]);
      expect(fn, b_.CreateIsNotNull(out), failed(i), "member.ok");
      cur = out;
    }
    if (!m.required) {
      BasicBlock* written = b_.GetInsertBlock();
      BasicBlock* joined = block(fn, "member.done");
      b_.CreateBr(joined);
      b_.SetInsertPoint(absent);
      // An absent container member still owes the next segment's reservation.
      Value* skipped_cur = m.scalar ? cur_before : reserve(fn, cur_before, segment_bounds[segment]);
      BasicBlock* skipped = b_.GetInsertBlock();
      b_.CreateBr(joined);
      b_.SetInsertPoint(joined);
      llvm::PHINode* merged = b_.CreatePHI(ptr_, 2, "cur");
      merged->addIncoming(cur, written);
      merged->addIncoming(skipped_cur, skipped);
      cur = merged;
      if (!certain_before) {
        llvm::PHINode* any = b_.CreatePHI(b_.getInt1Ty(), 2, "any");
        any->addIncoming(b_.getTrue(), written);
        any->addIncoming(any_before, skipped);
        any_written = any;
      }
      possible_before = true;
    } else {
      certain_before = true;
    }
  }
  text += is_object ? '}' : ']';
  cur = put_text(cur, text);
  if (hold) for_each_present([&](Value* v) { decref(fn, v); });
  leave(fn);
  b_.CreateRet(cur);
}

void Emitter::load_object_values(Fn& fn, Value* vals) {
  // Fills vals[0..n) or falls back. CPython 3.11 combined tables keep entries in insertion order
  // right after the index table: when the dict has exactly the schema's number of keys and no
  // deleted entries, entry i must hold field i, and reading the entries in place replaces a
  // PyDict_Next call per field. Anything else (split or general tables, deletions, optional
  // fields absent, keys equal to but not the interned objects) is matched by
  // fj_jit_object_values.
  const Node& n = node(fn.id);
  const size_t count = n.fields.size();
  llvm::ArrayType* vals_type = llvm::ArrayType::get(ptr_, count);
  llvm::ArrayType* flags_type = llvm::ArrayType::get(i8_, count);
  std::vector<llvm::Constant*> keys, optional;
  for (size_t i = 0; i < count; ++i) {
    const schema::Field& field = n.fields[i];
    keys.push_back(key_ref(fn.id, i));
    optional.push_back(i8c(field.required ? 0 : 1));
  }
  BasicBlock* slow = block(fn, "dict.match");
  BasicBlock* done = block(fn, "dict.read");
  if (options_.dict_internals && layout_.dict_internals_ok) {
    Value* split_values = load(ptr_, fn.obj, layout_.dict_values, 8, "ma_values");
    Value* table = load(ptr_, fn.obj, layout_.dict_keys, 8, "ma_keys");
    Value* used = load(i64_, fn.obj, layout_.dict_used, 8, "ma_used");
    Value* kind = load(i8_, table, layout_.keys_kind, 1, "dk_kind");
    Value* nentries = load(i64_, table, layout_.keys_nentries, 8, "dk_nentries");
    // All-str-key tables ({key, value} entries) only; general ones go to the helper.
    Value* in_place = b_.CreateAnd(
        b_.CreateAnd(b_.CreateIsNull(split_values),
                     b_.CreateICmpEQ(kind, i8c(layout_.kind_unicode))),
        b_.CreateAnd(b_.CreateICmpEQ(nentries, used), b_.CreateICmpEQ(used, i64c(int64_t(count)))));
    expect(fn, in_place, slow, "dict.in_place");
    Value* index_bytes = b_.CreateShl(
        i64c(1), b_.CreateZExt(
                     load(i8_, table, layout_.keys_log2_index_bytes, 1, "log2_index_bytes"), i64_));
    Value* entries = at(at(table, layout_.keys_indices), index_bytes);
    Value* all_match = b_.getTrue();
    for (size_t i = 0; i < count; ++i) {
      const int64_t entry = int64_t(i) * layout_.unicode_entry_size;
      Value* key = load(ptr_, entries, entry, 8, "key");
      all_match = b_.CreateAnd(b_.CreateICmpEQ(key, keys[i]), all_match);
      b_.CreateAlignedStore(load(ptr_, entries, entry + int64_t(sizeof(PyObject*)), 8, "value"),
                            b_.CreateConstInBoundsGEP2_64(vals_type, vals, 0, i), llvm::Align(8));
    }
    br_likely(all_match, done, slow);
  } else {
    b_.CreateBr(slow);
  }
  b_.SetInsertPoint(slow);
  auto constant_table = [&](llvm::ArrayType* type, std::vector<llvm::Constant*>& items,
                            const char* name) {
    return new llvm::GlobalVariable(module_, type, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(type, items), name);
  };
  Value* matched = b_.CreateCall(object_values_, {fn.obj, constant_table(vals_type, keys, "keys"),
                                                  constant_table(flags_type, optional, "optional"),
                                                  i64c(int64_t(count)), vals});
  br_likely(b_.CreateICmpNE(matched, b_.getInt32(0)), done, fallback_block(fn));
  b_.SetInsertPoint(done);
}

void Emitter::emit_float_pair(Fn& fn, Value* items, Value* count) {
  // Two finite exact floats (a [lon, lat] pair: most of GeoJSON) skip the guard loop and are
  // written by one call whose register saves serve both values, as in the generic encoder
  // (runtime/float_list.h). canada.json's compiled shape took 16% more instructions than the
  // generic encoder without this.
  BasicBlock* check = block(fn, "two");
  BasicBlock* pair = block(fn, "pair");
  BasicBlock* other = block(fn, "not.pair");
  b_.CreateCondBr(b_.CreateICmpEQ(count, i64c(2)), check, other);
  b_.SetInsertPoint(check);
  Value* a = item_at(items, i64c(0));
  Value* b = item_at(items, i64c(1));
  // The guard's own float test (exact float, finite): NaN and ±inf are left to the guard loop,
  // whose fallback reports them.
  Value* floats =
      b_.CreateAnd(check_scalar(a, bit(kCatFloat)).ok, check_scalar(b, bit(kCatFloat)).ok);
  b_.CreateCondBr(floats, pair, other);
  b_.SetInsertPoint(pair);
  enter(fn);
  // '[', two floats and their ',', ']', the caller's tail.
  Value* cur = reserve(fn, fn.cur, b_.CreateAdd(fn.tail, i64c(2 * kFloatBytes + 3)));
  cur = put_byte(cur, '[');
  Value* out = b_.CreateCall(put_double_pair_,
                             {cur, load(b_.getDoubleTy(), a, layout_.float_value, 8),
                              load(b_.getDoubleTy(), b, layout_.float_value, 8)});
  out = put_byte(out, ']');
  leave(fn);
  b_.CreateRet(out);
  b_.SetInsertPoint(other);
}

void Emitter::emit_list(Fn& fn) {
  const NodeId item_node = node(fn.id).children.at(0);
  const std::optional<Mask> scalar = scalar_mask(item_node);
  BasicBlock* fallback = fallback_block(fn);

  Value* type = type_of(fn.obj);
  Value* items = sequence_items(fn, type, fallback);
  Value* is_list = b_.CreateICmpEQ(type, list_type_);
  Value* count = load(i64_, fn.obj, layout_.var_size, 8, "count");
  auto failed_at = [&](Value* i) {
    llvm::IRBuilderBase::InsertPointGuard keep(b_);
    BasicBlock* bb = block(fn, "item.failed");
    b_.SetInsertPoint(bb);
    b_.CreateCall(path_index_, {fn.ctx, i});
    b_.CreateRet(null());
    return bb;
  };
  auto fixed_count = [&] { return count; };

  if (scalar) {
    // Guard pass over every item, one container level and one reservation, then the write pass.
    // No Python code runs in between, so the items are read in place.
    BasicBlock* guard = block(fn, "guard");
    BasicBlock* rejected = block(fn, "rejected");
    if (*scalar & bit(kCatFloat)) emit_float_pair(fn, items, count);
    b_.CreateBr(guard);
    b_.SetInsertPoint(guard);
    const auto [bound, guarded] =
        counted_loop(fn, "check", i64c(0), fixed_count, [&](Value* i, Value* acc) {
          const Scalar s = check_scalar(item_at(items, i), *scalar);
          expect(fn, s.ok, rejected, "item.ok");
          return b_.CreateAdd(acc, s.bound);
        });
    (void)guarded;
    {
      llvm::IRBuilderBase::InsertPointGuard keep(b_);
      b_.SetInsertPoint(rejected);
      retry_or_fallback(fn, guard, items, count, *scalar & bit(kCatStr));
    }
    enter(fn);
    // '[' and ']', a ',' per item, the items, the caller's tail.
    Value* cur = reserve(fn, fn.cur,
                         b_.CreateAdd(b_.CreateAdd(bound, count), b_.CreateAdd(fn.tail, i64c(2))));
    cur = put_byte(cur, '[');
    const auto [end, written] =
        counted_loop(fn, "write", cur, fixed_count, [&](Value* i, Value* cur) {
          Value* item = item_at(items, i);
          return put_byte(write_scalar(fn, cur, item, *scalar), ',');
        });
    Value* out = close_container(end, written, ']');
    leave(fn);
    b_.CreateRet(out);
    return;
  }

  // Items that are containers (or the interpreter's): each call reserves for itself plus the ','
  // or ']' after it and this list's tail. When an item may run Python code, that code may resize
  // the list: its size and item array are re-read for each item, and the item is held.
  const bool reread = runs_python(item_node);
  enter(fn);
  Value* cur = reserve(fn, fn.cur, b_.CreateAdd(fn.tail, i64c(2)));
  cur = put_byte(cur, '[');
  Value* item_tail = b_.CreateAdd(fn.tail, i64c(1));
  auto current_count = [&]() -> Value* {
    return reread ? load(i64_, fn.obj, layout_.var_size, 8, "count") : count;
  };
  const auto [end, written] =
      counted_loop(fn, "items", cur, current_count, [&](Value* i, Value* cur) {
        Value* base =
            reread ? b_.CreateSelect(is_list, load(ptr_, fn.obj, layout_.list_items, 8), items)
                   : static_cast<Value*>(items);
        Value* item = item_at(base, i);
        if (reread) incref(item);
        Value* out = call_node(item_node, fn.ctx, cur, item, item_tail);
        if (reread) decref(fn, item);
        expect(fn, b_.CreateIsNotNull(out), failed_at(i), "item.written");
        return put_byte(out, ',');
      });
  Value* out = close_container(end, written, ']');
  leave(fn);
  b_.CreateRet(out);
}

void Emitter::emit_dict(Fn& fn) {
  const NodeId value_node = node(fn.id).children.at(0);
  BasicBlock* fallback = fallback_block(fn);
  // Python code run while a value is written (an `any` or enum value; in an inferred shape, a
  // container that turns out to be a subclass) could change the dict: PyDict_Next re-reads it at
  // every step, and the entry being written is held meanwhile (below), as in records and lists.
  const bool hold = runs_python(value_node);
  const std::optional<Mask> scalar = scalar_mask(value_node);
  expect(fn, b_.CreateICmpEQ(type_of(fn.obj), dict_type_), fallback, "dict");
  Value* pos = entry_alloca(fn, i64_, "pos");
  Value* key_slot = entry_alloca(fn, ptr_, "key.slot");
  Value* value_slot = entry_alloca(fn, ptr_, "value.slot");

  // for (pos = 0; PyDict_Next(obj, &pos, &key, &value);) acc = body(key, value, acc)
  auto iterate = [&](const char* name, Value* start, auto&& body) -> Value* {
    b_.CreateAlignedStore(i64c(0), pos, llvm::Align(8));
    BasicBlock* before = b_.GetInsertBlock();
    BasicBlock* head = block(fn, llvm::Twine(name) + ".head");
    BasicBlock* body_block = block(fn, llvm::Twine(name) + ".body");
    BasicBlock* after = block(fn, llvm::Twine(name) + ".end");
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    llvm::PHINode* acc = b_.CreatePHI(start->getType(), 2, "acc");
    acc->addIncoming(start, before);
    Value* more = b_.CreateCall(dict_next_, {fn.obj, pos, key_slot, value_slot});
    b_.CreateCondBr(b_.CreateICmpNE(more, b_.getInt32(0)), body_block, after);
    b_.SetInsertPoint(body_block);
    Value* key = b_.CreateAlignedLoad(ptr_, key_slot, llvm::Align(8), "key");
    Value* value = b_.CreateAlignedLoad(ptr_, value_slot, llvm::Align(8), "value");
    Value* next = body(key, value, acc);
    acc->addIncoming(next, b_.GetInsertBlock());
    b_.CreateBr(head);
    b_.SetInsertPoint(after);
    return acc;
  };
  auto value_failed = [&](Value* key) {
    llvm::IRBuilderBase::InsertPointGuard keep(b_);
    BasicBlock* bb = block(fn, "value.failed");
    b_.SetInsertPoint(bb);
    b_.CreateCall(path_key_, {fn.ctx, key});
    if (hold) decref(fn, key);
    b_.CreateRet(null());
    return bb;
  };

  // Guard pass: exact str keys, scalar values; summed bound.
  BasicBlock* guard = block(fn, "guard");
  BasicBlock* rejected = block(fn, "rejected");
  b_.CreateBr(guard);
  b_.SetInsertPoint(guard);
  Value* bound = iterate("check", i64c(0), [&](Value* key, Value* value, Value* acc) -> Value* {
    const Scalar k = check_scalar(key, bit(kCatStr));
    Value* ok = k.ok;
    Value* n = b_.CreateAdd(acc, b_.CreateAdd(k.bound, i64c(2)));  // ':' ','
    if (scalar) {
      const Scalar v = check_scalar(value, *scalar);
      ok = b_.CreateAnd(ok, v.ok);
      n = b_.CreateAdd(n, v.bound);
    }
    expect(fn, ok, rejected, "entry.ok");
    return n;
  });
  {
    llvm::IRBuilderBase::InsertPointGuard keep(b_);
    b_.SetInsertPoint(rejected);
    retry_or_fallback(fn, guard, nullptr, nullptr, true);
  }
  Value* count = load(i64_, fn.obj, layout_.dict_used, 8, "count");
  enter(fn);
  Value* cur = nullptr;
  if (scalar) {
    cur = reserve(fn, fn.cur, b_.CreateAdd(bound, b_.CreateAdd(fn.tail, i64c(2))));
    cur = put_byte(cur, '{');
    cur = iterate("write", cur, [&](Value* key, Value* value, Value* cur) -> Value* {
      const StrView k = str_view(key);
      cur = put_byte(b_.CreateCall(put_str_, {cur, k.data, k.length}), ':');
      return put_byte(write_scalar(fn, cur, value, *scalar), ',');
    });
  } else {
    // Container values reserve for themselves (and the ',' after them); each key before it.
    // When a value's Python code has run, the dict may hold keys the guard pass never saw: each
    // is checked again, and one that is not a ready exact str sends the whole dict back to the
    // interpreter, from where it started (offsets survive a reallocation of the buffer).
    Value* start = hold ? b_.CreateCall(tell_, {fn.ctx, fn.cur}, "start") : nullptr;
    BasicBlock* changed = nullptr;
    if (hold) {
      llvm::IRBuilderBase::InsertPointGuard keep(b_);
      changed = block(fn, "dict.changed");
      b_.SetInsertPoint(changed);
      leave(fn);  // the interpreter writes the dict at the parent's depth
      interpret_from(fn, b_.CreateCall(seek_, {fn.ctx, start}, "rewound"));
    }
    cur = reserve(fn, fn.cur, b_.CreateAdd(fn.tail, i64c(2)));
    cur = put_byte(cur, '{');
    Value* value_tail = b_.CreateAdd(fn.tail, i64c(1));
    cur = iterate("write", cur, [&](Value* key, Value* value, Value* cur) -> Value* {
      if (hold) expect(fn, check_scalar(key, bit(kCatStr)).ok, changed, "key.checked");
      const StrView k = str_view(key);
      cur = reserve(fn, cur,
                    b_.CreateAdd(b_.CreateAdd(b_.CreateMul(k.length, i64c(kStrBytesPerByte)),
                                              i64c(kStrExtraBytes)),
                                 i64c(1)));
      cur = put_byte(b_.CreateCall(put_str_, {cur, k.data, k.length}), ':');
      if (hold) {
        incref(key);  // named in the path if the value fails
        incref(value);
      }
      Value* out = call_node(value_node, fn.ctx, cur, value, value_tail);
      if (hold) decref(fn, value);
      expect(fn, b_.CreateIsNotNull(out), value_failed(key), "value.written");
      if (hold) decref(fn, key);
      return put_byte(out, ',');
    });
  }
  Value* out = close_container(cur, count, '}');
  leave(fn);
  b_.CreateRet(out);
}

llvm::Error Emitter::run() {
  auto invalid = [](const std::string& why) {
    return llvm::make_error<llvm::StringError>("invalid schema: " + why,
                                               llvm::inconvertibleErrorCode());
  };
  const size_t size = schema_.nodes.size();
  if (size == 0 || schema_.root >= size) return invalid("no root node");
  for (const Node& n : schema_.nodes) {
    for (NodeId child : n.children) {
      if (child >= size) return invalid("node index out of range");
    }
    for (const schema::Field& field : n.fields) {
      if (field.node >= size || field.key.get() == nullptr)
        return invalid("field without key or node");
    }
    if ((n.kind == Kind::kList || n.kind == Kind::kDict || n.kind == Kind::kSet) &&
        n.children.size() != 1) {
      return invalid("list/dict node without exactly one child");
    }
  }
  // A union reaching itself through unions only has no alternative to dispatch to.
  for (NodeId id = 0; id < size; ++id) {
    if (node(id).kind != Kind::kUnion) continue;
    for (NodeId alt : union_alternatives(id)) {
      if (node(alt).kind == Kind::kUnion) return invalid("union cycle");
    }
  }
  declare_imports();
  Function* root = node_function(schema_.root);
  while (!pending_.empty()) {
    const NodeId id = pending_.front();
    pending_.pop_front();
    emit_function(id);
  }
  emit_entry(root);
  std::string problems;
  llvm::raw_string_ostream out(problems);
  if (llvm::verifyModule(module_, &out)) {
    return llvm::make_error<llvm::StringError>("emitted invalid IR: " + out.str(),
                                               llvm::inconvertibleErrorCode());
  }
  return llvm::Error::success();
}

}  // namespace

std::string key_symbol(NodeId node, size_t field) {
  return "fj_key_" + std::to_string(node) + "_" + std::to_string(field);
}

std::vector<UnitSymbol> key_symbols(const Schema& schema) {
  std::vector<UnitSymbol> out;
  for (NodeId id = 0; id < schema.nodes.size(); ++id) {
    const Node& n = schema.nodes[id];
    if (n.kind != Kind::kObject) continue;  // the only fields whose keys the code compares
    for (size_t i = 0; i < n.fields.size(); ++i) {
      out.push_back({key_symbol(id, i), n.fields[i].key.get()});
    }
  }
  return out;
}

llvm::Expected<std::unique_ptr<llvm::Module>> emit_module(const Schema& schema,
                                                          llvm::LLVMContext& context,
                                                          const llvm::DataLayout& layout,
                                                          const EmitOptions& options) {
  auto module = std::make_unique<llvm::Module>("fastjson", context);
  module->setDataLayout(layout);
  Emitter emitter(schema, context, *module, options);
  if (llvm::Error err = emitter.run()) return err;
  return module;
}

std::string describe_schema(const Schema& schema) {
  std::string out;
  for (size_t i = 0; i < schema.nodes.size(); ++i) {
    const Node& n = schema.nodes[i];
    out += (i == schema.root ? "*#" : " #") + std::to_string(i) + " " + kind_name(n.kind);
    if (!n.title.empty()) out += " " + n.title;
    if (!n.children.empty()) {
      out += " (";
      for (size_t c = 0; c < n.children.size(); ++c) {
        out += (c ? ", #" : "#") + std::to_string(n.children[c]);
      }
      out += ")";
    }
    if (!n.fields.empty()) {
      out += " {";
      for (size_t f = 0; f < n.fields.size(); ++f) {
        out += (f ? ", " : "") + n.fields[f].name + (n.fields[f].required ? "" : "?") + ": #" +
               std::to_string(n.fields[f].node);
      }
      out += "}";
    }
    out += "\n";
  }
  return out;
}

}  // namespace fastjson::jit
