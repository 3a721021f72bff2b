"""Command line interface: ``s2sad adjoint FILE.py:FUNC [--wrt a,b]``, ``s2sad rules``,
``s2sad trace|graph|check FILE.py:FUNC --at 2,5``, ``s2sad cache info|clear``.

Uses only the public API of :mod:`s2sad`. Exit codes: 0 on success, 1 when
``check`` finds the derivatives apart, 2 for a usage error or an error s2sad
reports (compile or usage).
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np

import s2sad

PROG = "s2sad"


class _UsageError(Exception):
    """A bad command line argument (exit code 2)."""


def _parse_wrt(text):
    """``"x1,x2"`` -> ``("x1", "x2")``; ``"0"`` -> ``0``; ``None`` -> ``None``."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise _UsageError(f"--wrt: empty item in {text!r}")
    values = tuple(int(item) if item.isdigit() else item for item in items)
    return values[0] if len(values) == 1 else values


def _load_module(path):
    """Import the file at ``path`` as a fresh module under a unique name."""
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise _UsageError(f"file not found: {path}")
    stem = os.path.splitext(os.path.basename(path))[0]
    digest = hashlib.sha1(path.encode()).hexdigest()[:8]
    name = f"_s2sad_cli_{''.join(c if c.isalnum() else '_' for c in stem)}_{digest}"
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so inspect.getsource can find the module
    sys.path.insert(0, os.path.dirname(path))  # sibling imports, as for a script
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise _UsageError(f"cannot load {path}: {type(err).__name__}: {err}") from err
    return module


def _load_function(target):
    """``"path/to/file.py:func"`` (or ``file.py:Class.method``) -> the function."""
    path, sep, qualname = target.rpartition(":")
    if not sep or not path or not qualname:
        raise _UsageError(f"expected FILE.py:FUNC, got {target!r}")
    obj = _load_module(path)
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise _UsageError(f"{path} has no function {qualname!r}") from None
    if not callable(obj):
        raise _UsageError(f"{path}:{qualname} is not a function")
    return obj


def _cmd_adjoint(args):
    func = _load_function(args.target)
    return _write_source(args, func, mode="reverse", motion="split" if args.split else "joint")


def _cmd_tangent(args):
    func = _load_function(args.target)
    return _write_source(args, func, mode="forward")


def _write_source(args, func, **options):
    """Print the source (coloured on a terminal unless NO_COLOR is set), or with
    ``-o FILE.py`` write it as a module that imports the user's file by its name."""
    options.update(wrt=_parse_wrt(args.wrt), optimize=not args.no_optimize)
    if args.at is not None:       # the code is specialized for these arguments' kinds
        options["args"] = _parse_at(args.at, func, options["wrt"])
    if args.output:
        module = os.path.splitext(os.path.basename(args.target.rpartition(":")[0]))[0]
        text = s2sad.source(func, standalone=True, module=module, **options)
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as err:
            raise _UsageError(f"cannot write {args.output}: {err.strerror}") from None
        print(f"wrote {args.output} (it imports {module}: keep {module}.py importable)",
              file=sys.stderr)
        return 0
    text = s2sad.source(func, **options)
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR") and hasattr(text, "ansi"):
        text = text.ansi()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _cmd_rules(args):
    """Every primitive with a derivative rule in both modes, one per line, by section."""
    for section, names in s2sad.covered().items():
        if args.section and args.section.lower() not in section.lower():
            continue
        print(f"# {section} ({len(names)})")
        for name in names:
            print(name)
    return 0


# ---- s2sad cache info | clear: the disk cache of generated source ----

def _cmd_cache_info(args):
    info = s2sad.cache_info()
    print(f"directory: {info['directory'] or '(none)'}")
    print(f"enabled:   {'yes' if info['enabled'] else 'no: ' + info['reason']}")
    print(f"entries:   {info['entries']}")
    print(f"size:      {info['bytes']} bytes")
    return 0


def _cmd_cache_clear(args):
    info = s2sad.cache_info()
    if not info["enabled"]:
        raise _UsageError(f"no disk cache to clear: {info['reason']}")
    removed = s2sad.clear_cache()
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {info['directory']}")
    return 0


def _add_cache_commands(commands):
    cache = commands.add_parser("cache", help="the disk cache of generated source "
                                "(S2SAD_CACHE_DIR): show it or empty it")
    actions = cache.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("info", help="directory, number of entries, size, enabled or not") \
        .set_defaults(run=_cmd_cache_info)
    actions.add_parser("clear", help="remove every entry").set_defaults(run=_cmd_cache_clear)


# trace, graph, check: the derivative shown at given arguments ------------------------

AT_HELP = ("the arguments, as one Python literal: '2, 5' or '[1.0, 2.0], 3'; lists become "
           "float arrays, and an int becomes a float where it is differentiated (--wrt, "
           "else the decorator's wrt, else the first argument): write 5.0 for the others")


def _parse_at(text, func, wrt):
    """``--at "2, 5"`` -> ``(2.0, 5.0)`` for the function's arguments."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise _UsageError(f"--at: expected Python literals such as '2, 5', got {text!r}") \
            from None
    items = value if isinstance(value, tuple) else (value,)
    floats = _differentiated_positions(func, wrt)
    return tuple(_argument(item, k in floats) for k, item in enumerate(items))


def _argument(item, differentiated):
    if isinstance(item, list):
        try:
            return np.asarray(item, dtype=float)
        except (TypeError, ValueError):
            raise _UsageError(f"--at: {item!r} is not a list of numbers") from None
    if differentiated and isinstance(item, int) and not isinstance(item, bool):
        return float(item)
    return item


def _differentiated_positions(func, wrt) -> set:
    import inspect
    if wrt is None:
        wrt = getattr(func, "__s2sad_wrt__", None)
    if wrt is None:
        return {0}
    names = list(inspect.signature(func).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return {names.index(w) if w in names else w for w in items}


def _cmd_trace(args):
    func = _load_function(args.target)
    wrt = _parse_wrt(args.wrt)
    trace = _run_user(func, s2sad.trace, _parse_at(args.at, func, wrt), wrt)
    print(trace.table(args.mode))
    return 0


def _cmd_graph(args):
    func = _load_function(args.target)
    wrt = _parse_wrt(args.wrt)
    at = _parse_at(args.at, func, wrt) if args.at is not None else ()
    dot = _run_user(func, s2sad.graph, at, wrt)
    if args.format == "dot":
        data = dot.encode()
    else:
        program = shutil.which("dot")
        if program is None:
            raise _UsageError(f"--format {args.format} needs Graphviz's 'dot' program, which "
                              "is not installed; use --format dot and render it elsewhere")
        done = subprocess.run([program, f"-T{args.format}"], input=dot.encode(),
                              capture_output=True, check=False)
        if done.returncode:
            raise _UsageError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        data = done.stdout
    if args.output:
        with open(args.output, "wb") as out:
            out.write(data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    return 0


def _cmd_check(args):
    func = _load_function(args.target)
    wrt = _parse_wrt(args.wrt)
    try:
        report = _run_user(func, s2sad.check_grad, _parse_at(args.at, func, wrt), wrt)
    except s2sad.GradientCheckError as err:
        print(err.report)
        print("FAIL: a derivative changed its arguments" if err.report.changed
              else "FAIL: the derivatives disagree")
        return 1
    print(report)
    print("PASS")
    return 0


def _run_user(func, api, at, wrt):
    """``api(func, *at, wrt=wrt)``; an exception the user's code raises is reported as
    such (s2sad's own errors pass through)."""
    try:
        return api(func, *at, wrt=wrt)
    except s2sad.S2SadError:
        raise
    except Exception as err:                      # noqa: BLE001 - the user's code failed
        name = getattr(func, "__name__", "the function")
        raise _UsageError(f"{name}{at!r} raised {type(err).__name__}: {err}") from None


def _add_inspection_commands(commands):
    """``trace``, ``graph`` and ``check``."""
    wrt_help = ("arguments to differentiate with respect to: names or positions, comma "
                "separated (default: the decorator's wrt, else every float argument)")
    trace = commands.add_parser(
        "trace", help="the evaluation trace: values, tangents and adjoints, as tables",
        description="Print the evaluation trace of one call (Baydin et al. 2018, Tables "
        "2-3): a row per input, per executed assignment (loops unrolled) and for the output, "
        "with its value, tangent and adjoint, then the adjoint sweep as it ran.")
    trace.add_argument("target", metavar="FILE.py:FUNC", help="the function")
    trace.add_argument("--at", required=True, help=AT_HELP)
    trace.add_argument("--wrt", metavar="A,B", help=wrt_help + "; tangents are taken in "
                       "the direction of the first")
    trace.add_argument("--mode", choices=("forward", "reverse", "both"), default="both",
                       help="forward: primal and tangent trace; reverse: primal trace, "
                       "adjoints and the adjoint sweep; both (default)")
    trace.set_defaults(run=_cmd_trace)

    graph = commands.add_parser(
        "graph", help="the computational graph, as Graphviz DOT (or svg/png)",
        description="Print the computational graph: inputs, operations and the output; "
        "with --at, that call's graph (loops unrolled) with values and adjoints.")
    graph.add_argument("target", metavar="FILE.py:FUNC", help="the function")
    graph.add_argument("--at", help=AT_HELP + " (needed when the function has loops or "
                       "branches)")
    graph.add_argument("--wrt", metavar="A,B", help=wrt_help)
    graph.add_argument("--format", choices=("dot", "svg", "png"), default="dot",
                       help="dot (default), or svg/png through Graphviz's dot program")
    graph.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    graph.set_defaults(run=_cmd_graph)

    check = commands.add_parser(
        "check", help="compare forward mode, reverse mode and finite differences",
        description="Compare forward mode, reverse mode and central finite differences "
        "at the arguments; exit 1 when they disagree.")
    check.add_argument("target", metavar="FILE.py:FUNC", help="the function (scalar output)")
    check.add_argument("--at", required=True, help=AT_HELP)
    check.add_argument("--wrt", metavar="A,B", help=wrt_help)
    check.set_defaults(run=_cmd_check)


def _parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Source-to-source automatic differentiation for Python/NumPy.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    adjoint = commands.add_parser("adjoint", help="print the reverse-mode (adjoint) source")
    adjoint.add_argument("target", metavar="FILE.py:FUNC", help="function to differentiate")
    adjoint.add_argument("--wrt", metavar="A,B", help="arguments to differentiate with "
                         "respect to: names or positions, comma separated (default: argument 0)")
    adjoint.add_argument("--no-optimize", action="store_true", help="print the unoptimized source")
    adjoint.add_argument("--at", help="example arguments, as for trace: the code is generated "
                       "for their kinds (float, array and its dimensions); default: floats")
    adjoint.add_argument("--split", action="store_true",
                         help="split motion: a primal function returning a tape and an adjoint")
    adjoint.add_argument("-o", "--output", metavar="FILE.py", help="write an importable "
                         "module (with the derivatives of the functions it calls) instead")
    adjoint.set_defaults(run=_cmd_adjoint)

    tangent = commands.add_parser("tangent", help="print the forward-mode (tangent) source")
    tangent.add_argument("target", metavar="FILE.py:FUNC", help="function to differentiate")
    tangent.add_argument("--wrt", metavar="A,B", help="arguments to differentiate with "
                         "respect to: names or positions, comma separated (default: all)")
    tangent.add_argument("--no-optimize", action="store_true", help="print the unoptimized source")
    tangent.add_argument("--at", help="example arguments, as for trace: the code is generated "
                       "for their kinds (float, array and its dimensions); default: floats")
    tangent.add_argument("-o", "--output", metavar="FILE.py", help="write an importable "
                         "module (with the derivatives of the functions it calls) instead")
    tangent.set_defaults(run=_cmd_tangent)

    rules = commands.add_parser("rules", help="list the functions that have derivative rules")
    rules.add_argument("section", nargs="?", help="only sections whose title contains this "
                       "(e.g. linear, math, reductions)")
    rules.set_defaults(run=_cmd_rules)
    _add_cache_commands(commands)
    _add_inspection_commands(commands)
    return parser


def main(argv=None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2)
        return 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 2
    try:
        code = args.run(args)
        sys.stdout.flush()
        return code
    except (_UsageError, s2sad.S2SadError) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:             # `s2sad trace ... | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
