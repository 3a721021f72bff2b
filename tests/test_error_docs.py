"""docs/errors.md is the page an error message points at: one section per code that s2sad
can raise (read from its source), each with an example that raises exactly that code
with the message shown, and the example fixed, which runs. The examples are run here.

A section reads::

    ### some-code
    One sentence of what it means. Class: `UsageError`.
    <!-- raises: some-code -->     then a ```python block and a ```text block (the
                                   message, `...` for text left out)
    Fix: ...
    <!-- fixed -->                 then a ```python block

or, for an example that needs setup a test cannot give, ``<!-- not run: why -->``.
"""
from __future__ import annotations

import ast
import importlib.util
import re
import sys

import pytest

from s2sad.errors import CompileError, S2SadError, UsageError, Violation
from tests import error_codes

SOURCE = error_codes.collect()
SECTION_LIST = error_codes.sections()
SECTIONS = {section.code: section for section in SECTION_LIST}
RUN = sorted(code for code, s in SECTIONS.items() if not s.not_run)
MOST_NOT_RUN = 3         # examples that need setup the test cannot give (a stale file, ...)


def run_example(source: str, tmp_path, name: str):
    """Run ``source`` as a module from a file: s2sad reads functions' source from files."""
    path = tmp_path / "example.py"
    path.write_text(source, encoding="utf-8")
    # not s2sad_...: s2sad treats functions of its own modules as primitives
    module_name = f"errors_doc_example_{name.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[module_name]


def test_every_code_the_source_raises_has_a_section():
    missing = {code: SOURCE.raised[code] for code in sorted(set(SOURCE.raised) - set(SECTIONS))}
    assert not missing, ("codes raised in s2sad/ but not documented with a '### code' "
                         f"section in docs/errors.md: {missing}")


def test_every_section_documents_a_code_that_exists():
    known = set(SOURCE.raised) | set(SOURCE.defaults.values())
    stale = sorted(set(SECTIONS) - known)
    assert not stale, f"docs/errors.md documents codes that s2sad no longer has: {stale}"


def test_each_code_has_one_section_whose_example_raises_it():
    codes = [section.code for section in SECTION_LIST]
    assert len(codes) == len(set(codes)), f"a code has two sections: {codes}"
    wrong = [(s.code, s.raises_code) for s in SECTION_LIST
             if s.raises_code not in (None, s.code)]
    assert not wrong, f"(section, code its example is marked to raise): {wrong}"


def test_every_raise_names_its_code_as_a_literal():
    assert not SOURCE.not_literal, ("give these calls their code as a string literal, so "
                                    f"that it can be documented: {SOURCE.not_literal}")


def test_base_class_defaults_are_never_raised():
    bases = {SOURCE.defaults[name] for name in ("S2SadError", "UsageError", "CompileError")}
    raised = {code: SOURCE.raised[code] for code in bases & set(SOURCE.raised)}
    assert not raised, f"give these raises a specific code (and a section): {raised}"


def test_only_class_defaults_and_a_few_others_are_not_run():
    not_run = {code for code, s in SECTIONS.items() if s.not_run}
    defaults = set(SOURCE.defaults.values()) - set(SOURCE.raised)
    assert defaults <= not_run, "a class default is never raised, so it has no example"
    assert len(not_run & set(SOURCE.raised)) <= MOST_NOT_RUN, not_run
    for code in set(SOURCE.raised) - not_run:
        section = SECTIONS[code]
        assert section.raises and section.message and section.fixed, (
            f"### {code}: needs '<!-- raises: {code} -->' + python + text blocks and "
            "'<!-- fixed -->' + python block, or '<!-- not run: why -->'")


def test_the_table_links_to_the_sections():
    text = error_codes.DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[`([\w-]+)`\]\(#([\w-]+)\) \|", text, re.M)
    assert rows and all(code == anchor for code, anchor in rows), rows
    assert {code for code, _ in rows} == set(SOURCE.raised) & set(SECTIONS)


@pytest.mark.parametrize("code", RUN)
def test_example_raises_its_code_with_the_message_shown(code, tmp_path):
    section = SECTIONS[code]
    with pytest.raises(S2SadError) as info:
        run_example(section.raises, tmp_path, code)
    err = info.value
    assert err.code == code
    shown = f"{type(err).__name__}: {err}"
    assert error_codes.message_pattern(section.message).search(shown), (
        f"### {code}: the message shown\n{section.message}\nis not what it gives\n{shown}")
    assert f"`s2sad explain {code}`" in str(err)


@pytest.mark.parametrize("code", RUN)
def test_fixed_example_runs(code, tmp_path):
    run_example(SECTIONS[code].fixed, tmp_path, code + "-fixed")


def test_a_message_ends_by_naming_the_command_that_explains_it():
    assert str(UsageError("wrt='z': no such argument", "bad-wrt")) == (
        "wrt='z': no such argument (run `s2sad explain bad-wrt`)")
    two_lines = str(S2SadError("first\nsecond", "no-source"))
    assert two_lines.endswith("second\nrun `s2sad explain no-source`")


def test_a_compile_error_points_at_each_kind_of_problem_once():
    def problem(code, line):
        return Violation(code, "message", "model.py", line, 4, "y = g(x)", "rewrite it")
    err = CompileError([problem("no-rule", 3), problem("in-place-input", 4),
                        problem("no-rule", 5)])
    assert err.code == "no-rule" and err.codes == ("no-rule", "in-place-input")
    assert str(err).endswith(
        "\nrun `s2sad explain no-rule`, `s2sad explain in-place-input`")
    assert str(err).count("[no-rule]") == 2


def test_message_pattern_reads_dots_as_any_text():
    pattern = error_codes.message_pattern("UsageError: f(...) has no rule; use ...")
    assert pattern.search("UsageError: f(x, y=2) has no rule; use g (see ...)")
    assert not pattern.search("UsageError: f(x) has a rule")


def test_the_collector_sees_codes_however_the_call_is_written():
    source = '''
class StaleSource(UsageError):
    code = "stale-source"

def f(parsed, node, code):
    parsed.violation(node, "cannot-carry",
                     f"message {node}", "suggestion")
    raise UsageError(
        "message",
        code="two-lines")
    raise StaleSource("message")
    raise S2SadError("message", code)
'''
    trees = list(error_codes._modules()) + [("a.py", ast.parse(source))]
    found = error_codes.collect_from(trees)
    in_a = {code for code, places in found.raised.items()
            if any(p.startswith("a.py:") for p in places)}
    assert in_a == {"cannot-carry", "two-lines", "stale-source"}
    assert found.defaults["StaleSource"] == "stale-source"
    assert len(found.not_literal) == 1 and "a.py:12" in found.not_literal[0]


def test_the_collector_finds_codes_of_every_kind_of_raise():
    # a collector that found nothing would pass every test above
    assert {"unsupported-syntax", "no-rule", "bad-wrt", "no-source", "gradient-mismatch",
            "not-analytic"} <= set(SOURCE.raised)
    assert SOURCE.defaults["UsageError"] == "usage-error"
