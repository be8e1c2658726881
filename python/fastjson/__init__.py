"""fastjson: fast JSON for Python, with a C++ core and (soon) LLVM-compiled encoders per shape."""

from fastjson._fastjson import JSONDecodeError, JSONEncodeError, dumps, loads

__all__ = ["JSONDecodeError", "JSONEncodeError", "dumps", "loads"]
__version__ = "0.1.0"
