"""An optional disk cache of generated source, so a new process skips the transformation.

Off by default; on with the environment variable ``S2SAD_CACHE_DIR`` or
``s2sad.set_cache_dir(path)``. An entry is a text file named by the digest of
everything the derivative depends on (:mod:`s2sad.driver.cachekey`): a checksum line,
a JSON line (the generated functions' names, and by which of the function's
names its callees' derivatives are linked), then the generated source itself.
It is never unpickled: a hit gives the stored text back to the pipeline, which
compiles it with the same cells a fresh build binds, so it behaves as one. Entries are written to a temporary
file in the same directory, then ``os.replace``-d into place, so a reader
never sees half a file; a truncated or altered entry fails its checksum, is
a miss, and is written again.

The checksum detects accidents, not attackers. What is executed must be
something only the current user could have written: a directory that is a
symbolic link, writable by its group or by everyone, or owned by another user
is refused with a warning, and only the memory cache is used; an entry is
opened without following a symbolic link (``O_NOFOLLOW``) and read only when
the opened file is a regular file owned by the current user and writable by no
one else (``fstat`` on the descriptor, in a directory checked the same way
through its own descriptor); any other entry is refused with a warning and
rebuilt. docs/cache.md states the threat model.
"""
from __future__ import annotations

import ast
import errno
import hashlib
import json
import os
import re
import stat
import tempfile
import threading
import warnings

from . import cachekey
from ..analysis.prims import GradientOf
from .compile import CACHE, Unit

ENVIRONMENT = "S2SAD_CACHE_DIR"
_HEADER = "# s2sad-cache sha256="
_ENTRY = re.compile(r"[0-9a-f]{64}\.py")
_UNSET = object()

STATS = {"hits": 0, "misses": 0, "writes": 0, "corrupt": 0, "refused": 0,
         "checks_skipped": 0}
"""Counts for this process (tests and benchmarks read them)."""

_state = {"configured": _UNSET, "warned": set()}
_lock = threading.Lock()
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_ENTRY_FLAGS = (os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
                | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_DIR_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_BY_FD = os.open in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


class CacheWarning(UserWarning):
    """The disk cache cannot be used; derivatives are cached in memory only."""


def set_cache_dir(path) -> None:
    """Cache generated source under ``path`` (created if missing); ``None`` turns the
    disk cache off, whatever ``S2SAD_CACHE_DIR`` says."""
    _state["configured"] = None if path is None else os.path.abspath(os.fspath(path))


def configured_dir() -> str | None:
    configured = _state["configured"]
    if configured is not _UNSET:
        return configured
    env = os.environ.get(ENVIRONMENT)
    return os.path.abspath(env) if env else None


def directory() -> str | None:
    """The directory to use now, or None (off, or refused with a warning)."""
    path = configured_dir()
    if path is None:
        return None
    problem = unsafe(path, create=True)
    if problem:
        _warn(path, f"not using the disk cache {path}: {problem}; derivatives are "
                    "cached in memory only")
        return None
    return path


def unsafe(path: str, create: bool) -> str | None:
    """Why ``path`` must not hold cache entries, or None."""
    if create and not os.path.lexists(path):
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except OSError as exc:
            return f"cannot create it ({exc.strerror or exc})"
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None if not create else "it does not exist"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    return foreign(info)


def foreign(info: os.stat_result) -> str | None:
    """Why a file or directory with this status could hold what another user wrote, or
    None: it is owned by the current user and writable by no one else. (A POSIX ACL
    that lets others write shows as group write permission: it is refused too.)"""
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return f"it is owned by another user (uid {info.st_uid})"
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH:
        return "it is writable by every user"
    if mode & stat.S_IWGRP:
        return (f"it is writable by its group (gid {info.st_gid}, mode {mode:04o}; "
                "`chmod go-w` it to use it)")
    return None


def _warn(path, message):
    with _lock:
        if (path, message) in _state["warned"]:
            return
        _state["warned"].add((path, message))
    warnings.warn(f"s2sad: {message}", CacheWarning, stacklevel=4)


def _count(name):
    with _lock:
        STATS[name] += 1


def load(front, options: dict):
    """``(units, bindings)`` stored for ``front`` and ``options`` (the pipeline compiles
    them), or None: the cache is off, or holds no sound entry."""
    where = directory()
    key = cachekey.digest(front, options) if where else None
    if key is None:
        return None
    entry = _read(where, key)
    stored = _restored(entry, front.parsed) if entry is not None else None
    _count("hits" if stored is not None else "misses")
    return stored


def store(front, options: dict, generated) -> None:
    """Write ``generated``'s source and how its callees are reached, when they are all
    reachable by name (else it stays in memory only). The digest is computed again: a
    miss is followed by a transformation, which costs far more."""
    where = directory()
    key = cachekey.digest(front, options) if where else None
    spec = _links(generated.bindings, front.parsed) if key is not None else None
    if spec is None:
        return
    units = [{"name": u.name, "tag": u.tag, "takes_user_args": u.takes_user_args,
              "length": len(u.text)} for u in generated.units]
    _write(where, key, {"units": units, "links": spec}, "".join(u.text for u in generated.units))


def checked(front, options: dict, run) -> None:
    """Run ``run()`` (an analysis that raises on unsupported code) unless the disk
    cache records that it passed for this very function, names and options."""
    where = directory()
    key = cachekey.digest(front, dict(options, check=True)) if where else None
    if key is not None and _read(where, key) is not None:
        _count("checks_skipped")
        return
    run()
    if key is not None:
        _write(where, key, {"units": [], "links": []}, "")


def _links(bindings, parsed):
    """The callees as data: by the name through which the function reaches them."""
    paths = cachekey.resolutions(parsed)
    spec = []
    for cell, (kind, callee, wrt) in bindings:
        item = {"cell": cell, "kind": kind, "wrt": list(wrt)}
        target = callee.func if isinstance(callee, GradientOf) else callee
        if target is not None:
            path = next((p for p, obj in paths.items() if obj is target), None)
            if path is None:
                return None                 # not reachable by name: memory only
            item["path"] = path
            if isinstance(callee, GradientOf):
                item["gradient_wrt"] = callee.wrt
        spec.append(item)
    return spec


def _restored(entry, parsed):
    """The units and bindings of a sound entry; None where its text does not parse."""
    meta, text = entry
    bindings = []
    for item in meta["links"]:
        callee = parsed.resolve_path(item["path"]) if "path" in item else None
        if "gradient_wrt" in item:
            callee = GradientOf(callee, item["gradient_wrt"])
        bindings.append((item["cell"], (item["kind"], callee, tuple(item["wrt"]))))
    units, start = [], 0
    for u in meta["units"]:
        units.append(Unit(u["name"], u["tag"], text[start:start + u["length"]],
                          u["takes_user_args"]))
        start += u["length"]
    try:
        for u in units:
            ast.parse(u.text)
    except SyntaxError:
        _count("corrupt")
        return None
    return tuple(units), tuple(bindings)


def _read(where, key):
    """``(metadata, source text)`` of a sound entry, else None (missing, damaged or
    refused)."""
    data = _trusted_bytes(where, key + ".py")
    if data is None:
        return None
    head, _, rest = data.partition(b"\n")
    try:
        if head.decode("ascii") != _HEADER + hashlib.sha256(rest).hexdigest():
            raise ValueError("checksum")
        meta_line, _, text = rest.decode("utf-8").partition("\n")
        meta = json.loads(meta_line[2:])
        if meta.get("key") != key or sum(u["length"] for u in meta["units"]) != len(text):
            raise ValueError("contents")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        _count("corrupt")
        return None
    return meta, text


def _trusted_bytes(where, name):
    """The bytes of the entry ``name`` when only the current user could have written
    it; None when it is missing, or refused (with a warning: it is rebuilt)."""
    try:
        folder = os.open(where, _DIR_FLAGS) if _BY_FD else None
    except OSError:
        return None                    # gone or swapped since directory() checked it
    try:
        if folder is not None and foreign(os.fstat(folder)):
            return None                # swapped for another since directory() checked it
        try:
            handle = os.open(name, _ENTRY_FLAGS, dir_fd=folder) if folder is not None \
                else os.open(os.path.join(where, name), _ENTRY_FLAGS)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return _refuse(where, name, "it is a symbolic link" if exc.errno == errno.ELOOP
                           else f"it cannot be opened ({exc.strerror or exc})")
        try:
            return _read_whole(where, name, handle)
        finally:
            os.close(handle)
    finally:
        if folder is not None:
            os.close(folder)


def _read_whole(where, name, handle):
    info = os.fstat(handle)
    if not stat.S_ISREG(info.st_mode):
        return _refuse(where, name, "it is not a regular file")
    problem = foreign(info)
    if problem:
        return _refuse(where, name, problem)
    chunks = []
    while chunk := os.read(handle, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(where, name, problem):
    _count("refused")
    _warn(where, f"not using the disk cache entry {name} in {where}: {problem}; it is "
                 "built again")
    return None


def _write(where, key, meta, text):
    body = ("# " + json.dumps(dict(meta, key=key), sort_keys=True) + "\n" + text).encode()
    data = (_HEADER + hashlib.sha256(body).hexdigest() + "\n").encode() + body
    try:
        handle, temporary = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".py")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, os.path.join(where, key + ".py"))
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as exc:
        _warn(where, f"cannot write to the disk cache {where} ({exc.strerror or exc})")
        return
    _count("writes")


def info() -> dict:
    """``{"directory", "enabled", "reason", "entries", "bytes"}`` for the disk cache."""
    path = configured_dir()
    problem = unsafe(path, create=False) if path else "off (set S2SAD_CACHE_DIR)"
    entries = _entries(path) if path and not problem else []
    return {"directory": path, "enabled": not problem, "reason": problem,
            "entries": len(entries),
            "bytes": sum(e.stat(follow_symlinks=False).st_size for e in entries)}


def clear() -> int:
    """Remove every entry (and the memory cache); the number of files removed."""
    CACHE.clear()
    path = configured_dir()
    if not path or unsafe(path, create=False):
        return 0
    removed = 0
    for entry in _entries(path):
        try:
            os.unlink(entry.path)
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def _entries(path) -> list:
    """The entries (by their names) as ``os.DirEntry``: symbolic links included, never
    followed."""
    try:
        with os.scandir(path) as listing:
            return [e for e in listing
                    if _ENTRY.fullmatch(e.name) and not e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
