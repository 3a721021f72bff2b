"""Command line interface: ``s2sad adjoint FILE.py:FUNC [--wrt a,b]``, ``s2sad rules``,
``s2sad explain CODE``, ``s2sad --version``,
``s2sad trace|graph|check FILE.py:FUNC --at 2,5``, ``s2sad cache info|clear``.

Uses only the public API of :mod:`s2sad`. Exit codes: 0 on success, 1 when
``check`` finds the derivatives apart, 2 for a usage error or an error s2sad
reports (compile or usage).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

import numpy as np

import s2sad
from s2sad import explain
from s2sad.cliargs import AT_HELP, CliError, load_function, parse_at, parse_wrt

PROG = "s2sad"


def _cmd_adjoint(args):
    func = load_function(args.target)
    return _write_source(args, func, mode="reverse", motion="split" if args.split else "joint")


def _cmd_tangent(args):
    func = load_function(args.target)
    return _write_source(args, func, mode="forward")


def _write_source(args, func, **options):
    """Print the source (coloured on a terminal unless NO_COLOR is set), or with
    ``-o FILE.py`` write it as a module that imports the user's file by its name;
    an argument it cannot differentiate by default is named with how to pick others."""
    try:
        return _written(args, func, **options)
    except s2sad.UsageError as err:
        if args.wrt is not None or err.code not in ("int-wrt", "bad-wrt-type", "bad-wrt"):
            raise
        raise CliError(f"{err}\n{_pick_wrt(func)}") from None


def _pick_wrt(func) -> str:
    """How to choose the arguments: ``--wrt`` with the float ones as the example."""
    import inspect
    params = inspect.signature(func).parameters.values()
    floats = [p.name for p in params if p.default is inspect.Parameter.empty
              or isinstance(p.default, float)] or [p.name for p in params][:1]
    return (f"pick the arguments to differentiate with --wrt NAME[,NAME...] (names or "
            f"positions), e.g. --wrt {','.join(floats)}; an int argument stays an int")


def _written(args, func, **options):
    options.update(wrt=parse_wrt(args.wrt), optimize=not args.no_optimize)
    if args.at is not None:       # the code is specialized for these arguments' kinds
        options["args"] = parse_at(args.at, func, options["wrt"])
    if args.output:
        module = os.path.splitext(os.path.basename(args.target.rpartition(":")[0]))[0]
        text = s2sad.source(func, standalone=True, module=module, **options)
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as err:
            raise CliError(f"cannot write {args.output}: {err.strerror}") from None
        print(f"wrote {args.output} (it imports {module}: keep {module}.py importable)",
              file=sys.stderr)
        return 0
    text = s2sad.source(func, **options)
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR") and hasattr(text, "ansi"):
        text = text.ansi()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _cmd_rules(args):
    """Every primitive with a derivative rule in both modes, one per line, by section;
    a section filter that matches none is an error that lists the sections."""
    covered = s2sad.covered()
    chosen = {section: names for section, names in covered.items()
              if not args.section or args.section.lower() in section.lower()}
    if not chosen:
        raise CliError(f"rules: no section matches {args.section!r}; the sections: "
                          f"{', '.join(covered)}")
    for section, names in chosen.items():
        print(f"# {section} ({len(names)})")
        for name in names:
            print(name)
    return 0


def _cmd_explain(args):
    """The explanation of an error code (its section of docs/errors.md, shipped with
    the package); without a code, the list of codes."""
    if args.code is None:
        print("\n".join(explain.codes()))
        return 0
    text = explain.explain(args.code)
    if text is None:
        raise CliError(f"explain: no error code {args.code!r}; the codes: "
                          f"{', '.join(explain.codes())}")
    sys.stdout.write(text)
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
        raise CliError(f"no disk cache to clear: {info['reason']}")
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

def _cmd_trace(args):
    func = load_function(args.target)
    wrt = parse_wrt(args.wrt)
    trace = _run_user(func, s2sad.trace, parse_at(args.at, func, wrt, every=True), wrt)
    print(trace.table(args.mode))
    return 0


def _cmd_graph(args):
    func = load_function(args.target)
    wrt = parse_wrt(args.wrt)
    at = parse_at(args.at, func, wrt, every=True) if args.at is not None else ()
    dot = _run_user(func, s2sad.graph, at, wrt)
    if args.format == "dot":
        data = dot.encode()
    else:
        program = shutil.which("dot")
        if program is None:
            raise CliError(f"--format {args.format} needs Graphviz's 'dot' program, which "
                              "is not installed; use --format dot and render it elsewhere")
        done = subprocess.run([program, f"-T{args.format}"], input=dot.encode(),
                              capture_output=True, check=False)
        if done.returncode:
            raise CliError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
        data = done.stdout
    if args.output:
        with open(args.output, "wb") as out:
            out.write(data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    return 0


def _cmd_check(args):
    func = load_function(args.target)
    wrt = parse_wrt(args.wrt)
    try:
        report = _run_user(func, s2sad.check_grad, parse_at(args.at, func, wrt, every=True),
                           wrt)
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
        raise CliError(f"{name}{at!r} raised {type(err).__name__}: {err}") from None


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
    parser.add_argument("--version", action="version",
                        version=f"{PROG} {s2sad.__version__} (NumPy {np.__version__}, "
                        f"Python {sys.version.split()[0]})")
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
    explained = commands.add_parser(
        "explain", help="explain an error code: what it means, an example, the fix",
        description="Print the explanation of an error code (as an error message "
        "names it: run `s2sad explain CODE`); without CODE, list the codes.")
    explained.add_argument("code", metavar="CODE", nargs="?", help="e.g. no-rule")
    explained.set_defaults(run=_cmd_explain)
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
    except (CliError, s2sad.S2SadError) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:             # `s2sad trace ... | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
