"""Schema inference for the transparent shape JIT: sample values -> a normalized schema description.

The runtime hands a hot value (one dumps argument whose top-level shape repeated often enough) to a
background thread, which calls infer() and compiles the result like fastjson.compile would. The
description uses the forms of runtime/schema.h. Inference only has to be *useful*, never exact:
every compiled node guards its types and key order, and a value that fails a guard is written by
the generic encoder, so a wrong guess costs speed, never bytes.

Rules, chosen for what services send:
 * values at one position (list items, dict values, the same key across sibling dicts) are merged;
   several types give a union, unknown types (and empty lists) give ``any``;
 * sibling dicts with the same keys give an object with those keys in that order; keys that differ
   but fit one order give optional fields;
 * a dict with many keys or digit-string keys, or siblings whose keys do not fit one order, give
   ``dict[str, merged values]``: the values' shape is stable even when the keys never repeat.
"""

from __future__ import annotations

from typing import Any

# A dict with more keys than this is a map (ids as keys), not a record.
MAX_OBJECT_FIELDS = 64
# Samples merged per position: enough to see optional keys and nulls, bounded work per compile.
MAX_SAMPLES = 1024
# Deeper than this, the rest is written by the generic encoder.
MAX_DEPTH = 48

_SCALARS = {type(None): ("null",), bool: ("bool",), int: ("int",), float: ("float",), str: ("str",)}


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[tuple[Any, ...]] = []
        self.leaves: dict[str, int] = {}

    def add(self, node: tuple[Any, ...]) -> int:
        if len(node) == 1:  # scalars and any: one node each
            at = self.leaves.get(node[0])
            if at is None:
                at = self.leaves[node[0]] = len(self.nodes)
                self.nodes.append(node)
            return at
        self.nodes.append(node)
        return len(self.nodes) - 1

    def reserve(self) -> int:
        self.nodes.append(("any",))
        return len(self.nodes) - 1

    def infer(self, samples: list[Any], depth: int) -> int:
        if depth > MAX_DEPTH or not samples:
            return self.add(("any",))
        # Group by exact type, in order of first appearance: the union tries them in that order.
        groups: dict[type, list[Any]] = {}
        for value in samples:
            groups.setdefault(type(value), []).append(value)
        alternatives: list[int] = []
        for cls, values in groups.items():
            if cls in _SCALARS:
                alternatives.append(self.add(_SCALARS[cls]))
            elif cls is list or cls is tuple:
                alternatives.append(self.infer_list(values, depth))
            elif cls is dict:
                alternatives.append(self.infer_dict(values, depth))
            else:  # subclasses and default=-less types: the generic encoder decides
                return self.add(("any",))
        if len(alternatives) == 1:
            return alternatives[0]
        return self.add(("union", tuple(alternatives)))

    def infer_list(self, lists: list[Any], depth: int) -> int:
        items: list[Any] = []
        for seq in lists:
            items.extend(seq[: MAX_SAMPLES - len(items)])
            if len(items) >= MAX_SAMPLES:
                break
        at = self.reserve()
        self.nodes[at] = ("list", self.infer(items, depth + 1))
        return at

    def infer_dict(self, dicts: list[dict[Any, Any]], depth: int) -> int:
        order = _merged_key_order(dicts)
        at = self.reserve()
        if order is None:
            values: list[Any] = []
            for d in dicts:
                values.extend(list(d.values())[: MAX_SAMPLES - len(values)])
                if len(values) >= MAX_SAMPLES:
                    break
            self.nodes[at] = ("dict", self.infer(values, depth + 1))
            return at
        fields = []
        for key in order:
            present = [d[key] for d in dicts if key in d]
            required = len(present) == len(dicts)
            fields.append((key, self.infer(present, depth + 1), required))
        self.nodes[at] = ("object", tuple(fields), None)
        return at


def _merged_key_order(dicts: list[dict[Any, Any]]) -> list[str] | None:
    """One key order every sample follows (each sample's keys are a subsequence of it), or None
    when the dicts look like maps: non-str, digit or non-UTF-8 keys, too many keys, or orders that
    disagree."""
    order: list[str] = []
    for d in dicts:
        previous = -1
        for key in d:
            # Digit strings are ids: a map, whatever their number.
            if type(key) is not str or key.isdigit():
                return None
            # A field name must be UTF-8 (the schema pre-encodes it): a key with a lone surrogate
            # makes the dict a map, whose writing (an error, as in dumps) the generic path does.
            if not key.isascii():
                try:
                    key.encode()
                except UnicodeEncodeError:
                    return None
            try:
                at = order.index(key)
            except ValueError:
                if len(order) == MAX_OBJECT_FIELDS:
                    return None
                # Right after this dict's previous key: earlier samples lack it, so they still
                # follow the order, and so does this one.
                at = previous + 1
                order.insert(at, key)
            else:
                if at <= previous:
                    return None
            previous = at
    return order


def infer(value: Any) -> tuple[list[tuple[Any, ...]], int]:
    """The normalized description (nodes, root) of `value`'s shape (runtime/schema.h)."""
    builder = _Builder()
    root = builder.infer([value], 0)
    return builder.nodes, root
