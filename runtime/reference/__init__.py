"""The reference evaluator: the executable definition of segl's semantics (SPEC §3).

Plain Python over rows of plain values, the oracle every engine is tested against. Each
language feature has its module here (tags, segments and layerings in `definitions`); the
meaning of values, operators, functions and aggregates is shared with the compiler's
registry (compiler/values.py, compiler/registry.py).
"""

from segl.runtime.reference.definitions import Tables, evaluate

__all__ = ["Tables", "evaluate"]
