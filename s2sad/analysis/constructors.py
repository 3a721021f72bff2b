"""Part of prims: a namedtuple or dataclass built inside the differentiated function is
refused; what it is, and the rewrite that works (a dict of the fields, or the instance
passed in)."""
from __future__ import annotations

import dataclasses


def fields_of_class(func) -> tuple:
    """The field names of a namedtuple class or a dataclass (the class, not an
    instance); () for anything else."""
    if isinstance(func, type) and issubclass(func, tuple) and hasattr(func, "_fields"):
        return tuple(func._fields)
    if isinstance(func, type) and dataclasses.is_dataclass(func):
        return tuple(f.name for f in dataclasses.fields(func))
    return ()


def kind_of_class(func) -> str:
    return "namedtuple" if issubclass(func, tuple) else "dataclass"


def tree_rewrite(func, path) -> str:
    """What works instead of ``Params(w=..., b=...)`` inside the function: a dict of the
    fields, or the instance built outside and passed in."""
    fields = fields_of_class(func)
    literal = ", ".join(f"'{f}': ..." for f in fields)
    return (f"build a dict of the fields instead (`p = {{{literal}}}`, read as "
            f"`p['{fields[0]}']`), which is differentiated in both modes; or build the "
            f"{path} before the call and pass it as an argument ({kind_of_class(func)} "
            "arguments are differentiated field by field)")
