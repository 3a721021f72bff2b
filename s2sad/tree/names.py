"""Deterministic fresh names that never clash with the user's."""
from __future__ import annotations

import gast

from . import nodes


class NameGen:
    """Hands out ``v1, v2, ...`` temporaries and suffixed names, skipping taken ones."""

    def __init__(self, taken):
        self.taken = set(taken)
        self.counters: dict[str, int] = {}

    @classmethod
    def for_tree(cls, tree, extra=()) -> "NameGen":
        used = {n.id for n in nodes.walk(tree) if isinstance(n, gast.Name)}
        used.add(tree.name)
        return cls(used | set(extra))

    def temp(self) -> str:
        """The next ``v<k>``."""
        return self.numbered("v", sep="")

    def numbered(self, base: str, sep: str = "") -> str:
        """``base1``, ``base2``, ... (or ``base_1`` with sep='_'), the first free one."""
        while True:
            self.counters[base] = self.counters.get(base, 0) + 1
            candidate = f"{base}{sep}{self.counters[base]}"
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate

    def fresh(self, base: str) -> str:
        """``base`` itself when free, else ``base_1``, ``base_2``, ..."""
        if base not in self.taken:
            self.taken.add(base)
            return base
        return self.numbered(base, sep="_")


def function_name(func) -> str:
    """A function's name as an identifier: ``lambda_L12`` for a lambda on line 12 (the
    name s2sad gives its derivative code)."""
    name = getattr(func, "__name__", "call")
    if name == "<lambda>":
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        return f"lambda_L{code.co_firstlineno}" if code is not None else "lambda"
    return name if name.isidentifier() else "call"
