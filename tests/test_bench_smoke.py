"""The sections of ``python -m bench.run`` after the gradient tables (bench/sections.py,
bench/timed_sections.py) produce their rows and checked targets on the tiniest sizes;
a peer that is not installed is a note, never a crash; the load policy warns."""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

import s2sad
from bench import run as bench_run          # sets the one-thread environment first
from bench import checkpoint, jacobians, sections
from bench import timed_sections as ts
from bench.workloads import WORKLOADS, arguments

QUICK = sections.Context(quick=True, log=lambda *a: None)


def _rows(lines, first_cell):
    return [line for line in lines if line.startswith(f"| {first_cell}")]


def test_hessians_section_has_a_row_per_case_and_its_targets():
    lines, targets = ts.hessians(QUICK, sizes=(10,), jacobians_too=False)
    rows = _rows(lines, "hessian ")
    assert len(rows) == 2 and all("µs" in r or "ms" in r for r in rows)
    assert {t.what for t in targets} >= {"Hessians: s2sad within 5× of jit",
                                          "Hessians: s2sad faster than autograd"}
    for t in targets:
        assert t.met in (True, False, None) and t.detail
    for peer in ("jax", "autograd"):
        if importlib.util.find_spec(peer) is None:
            assert any("not installed" in line for line in lines)


def test_the_batched_hessian_it_times_is_the_closed_form():
    x = np.linspace(-1.0, 1.0, 10)
    want = jacobians.MATRICES[10] + jacobians.MATRICES[10].T
    for fn in (s2sad.hessian(jacobians.quadratic),
               jacobians.column_by_column(s2sad.hessian(jacobians.quadratic))):
        assert np.allclose(fn(x), want, rtol=1e-12, atol=1e-12)


def test_peers_left_out_are_notes_and_targets_not_measured():
    ctx = sections.Context(quick=True, log=lambda *a: None, peers=frozenset())
    lines, targets = ts.hessians(ctx, sizes=(10,), jacobians_too=False)
    assert any("left out (--tools)" in line for line in lines)
    assert all(t.met is None for t in targets)


def test_compile_section_reports_sizes_slope_and_branches():
    lines, targets = ts.compile_time(QUICK, sizes=(5, 10), depth=3, repeat=1)
    assert len(_rows(lines, "5 statements")) == 1 and len(_rows(lines, "3 nested")) == 1
    assert any(line.startswith("Log-log slope 5..10") for line in lines)
    by_what = {t.what: t for t in targets}
    assert by_what["1000 statements' first call ≤ 2 s"].met is None
    assert by_what["near-linear: slope ≤ 1.2"].met in (True, False)


def test_numba_section_or_its_note():
    lines, targets = ts.numba_section(QUICK, names=("while_loop",))
    if importlib.util.find_spec("numba") is None:
        assert lines[0].startswith("Skipped: numba is not installed")
        return
    row = _rows(lines, "while_loop")[0]
    assert row.count("µs") >= 4 and "disagrees" not in "\n".join(lines)


def test_entry_section_runs_the_module_or_says_it_is_absent():
    lines, targets = sections.entry_overhead(QUICK)
    assert lines and len(targets) == 1
    if importlib.util.find_spec("bench.entry_overhead") is None:
        assert "not in this checkout" in lines[0] and targets[0].met is None


def test_checkpoint_rows_and_long_loops_section(monkeypatch):
    table = checkpoint.scalar_rows(quick=True)
    assert table[0]["n"] == 1000 and table[0]["same gradient"] is True
    assert table[0]["marked peak"] < table[0]["unmarked peak"]
    monkeypatch.setattr(checkpoint, "rows", lambda quick: {"scalar loop": table})
    lines, targets = sections.long_loops(QUICK)
    assert "| n |" in "\n".join(lines) and targets[0].met is True


def test_a_failing_section_is_a_note(monkeypatch):
    def broken(ctx):
        raise RuntimeError("boom")
    monkeypatch.setattr(sections, "_registry", lambda: {"x": ("Broken", broken)})
    (report,) = sections.run_sections(["x"], QUICK)
    assert "The section failed: RuntimeError: boom" in report.lines[0]
    assert "## Broken" in sections.markdown([report])


def test_load_policy_warns_past_half_the_cpus_less_the_bench_itself():
    cpus = os.cpu_count() or 1
    assert not sections.is_loaded(0.5 * cpus, 0.0)
    assert sections.is_loaded(0.5 * cpus + 0.1, 0.0)
    assert not sections.is_loaded(0.5 * cpus + 0.9, 1.0)
    assert not sections.is_loaded(float("nan"), 0.0)
    assert "Warning: loaded machine" in sections.load_line(3.0, 3.0, True)
    report = sections.Report("k", "T", [], [], (9.0, 9.0), True)
    assert "Warning: the machine was loaded" in sections.summary([report])


def test_main_with_one_section_writes_its_targets(tmp_path):
    assert bench_run.main(["--quick", "--sections", "compile", "--tools", "s2sad",
                           "--out-dir", str(tmp_path)]) == 0
    text = (tmp_path / "results.md").read_text()
    assert "## Targets" in text and "## First-call compile time" in text
    assert "## Gradient time" not in text and "Environment:" in text


def test_the_generated_function_the_dispatch_column_times_is_found():
    w = WORKLOADS["baydin"]
    args = arguments(w, "tiny")
    direct = bench_run._generated_function(w, args)
    assert direct is not None and bench_run.mismatch(direct(*args), w.hand(*args)) is None


@pytest.mark.parametrize("bad", ["nope", "gradients,nope"])
def test_unknown_section_is_refused(bad):
    with pytest.raises(SystemExit):
        bench_run.main(["--quick", "--sections", bad])
