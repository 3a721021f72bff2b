"""The explanation of each error code, shipped with the package: ``s2sad explain
CODE`` prints it, as ``rustc --explain`` does, so a message's pointer works where
the repository's docs/ is not at hand (an installed wheel).

The text is the catalogue docs/errors.md (the package's ``errors.md`` is that file,
shipped as package data): one ``### code`` section per code, with what it means, a
function that raises it, and the function fixed.
"""
from __future__ import annotations

import functools
from importlib import resources


@functools.lru_cache(maxsize=None)
def catalogue() -> str:
    """The whole text of the error catalogue."""
    return resources.files(__package__).joinpath("errors.md").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def sections() -> dict:
    """Code -> its section (from its ``### code`` heading to the next heading, outside
    code blocks), in the catalogue's order, without the markers the tests read."""
    found, code, lines, fenced = {}, None, [], False
    for line in catalogue().splitlines() + ["#"]:
        fenced ^= line.startswith("```")
        if line.startswith("#") and not fenced:
            if code is not None:
                found[code] = "\n".join(lines).strip() + "\n"
            code = line[4:].strip() if line.startswith("### ") else None
            lines = [line]
        elif code is not None and not (line.startswith("<!--") and line.endswith("-->")):
            lines.append(line)
    return found


def codes() -> tuple:
    """Every documented code, in the catalogue's order."""
    return tuple(sections())


def explain(code: str) -> str | None:
    """The section for ``code``, or None when no section documents it."""
    return sections().get(code.strip().lower())
