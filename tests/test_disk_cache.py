"""The disk cache of generated source: hits skip the transformation, edits miss,
damaged entries are rebuilt, unsafe directories are refused, and concurrent
threads and processes get one correct derivative."""
import importlib
import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import s2sad
from s2sad.driver.target import Target
from s2sad.driver import diskcache
from s2sad.driver import pipeline
from s2sad.driver.compile import CACHE
from s2sad.custom import forget
from tests.fd import fd_grad

ROOT = Path(__file__).resolve().parent.parent

MODULE = textwrap.dedent("""\
    import numpy as np


    def helper(x, y):
        return np.sin(x) * y


    def f(x, y):
        z = helper(x, y) + x * x
        return z * y


    def g(a):
        return np.sum(np.tanh(a) * a)
    """)


@pytest.fixture
def cache_dir(tmp_path):
    before = diskcache._state["configured"]
    path = tmp_path / "cache"
    s2sad.set_cache_dir(path)
    CACHE.clear()
    yield path
    diskcache._state["configured"] = before
    CACHE.clear()


def _module(directory, text, name=None):
    path = Path(directory) / f"{name or 'mod_' + uuid.uuid4().hex[:8]}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"_dc_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _counting(monkeypatch):
    """Count the transformations (both modes) from now on."""
    calls = []
    for stage in ("adjoint", "tangent"):
        original = getattr(pipeline, stage)

        def counted(*args, _original=original, **kwargs):
            calls.append(args[0].parsed.name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(pipeline, stage, counted)
    return calls


def _stats():
    return dict(diskcache.STATS)


def _delta(before):
    return {k: v - before[k] for k, v in diskcache.STATS.items()}


def _all_modes(m):
    """grad, value_and_grad, vjp and jvp of ``f`` (which links to ``helper``) and ``g``."""
    x, y, a = 0.7, 1.3, np.linspace(-1.0, 1.0, 5)
    y_out, pullback = s2sad.vjp(m.f, x, y)
    return [s2sad.grad(m.f, wrt=(0, 1))(x, y), s2sad.value_and_grad(m.f)(x, y),
            (y_out, pullback(1.0)), s2sad.jvp(m.f, (x, y), (1.0, 0.5)),
            s2sad.grad(m.g)(a), s2sad.source(m.f), s2sad.source(m.g, mode="forward")]


def test_a_hit_compiles_the_stored_text_and_transforms_nothing(cache_dir, tmp_path,
                                                                monkeypatch):
    m = _module(tmp_path, MODULE)
    before = _stats()
    fresh = _all_modes(m)
    assert _delta(before)["writes"] > 0 and _delta(before)["hits"] == 0
    x, y = 0.7, 1.3
    assert fresh[0][0] == pytest.approx(fd_grad(m.f, (x, y), 0), rel=1e-6)
    CACHE.clear()
    calls = _counting(monkeypatch)
    before = _stats()
    again = _all_modes(m)
    assert calls == [], "a disk hit must not run the transformation"
    assert _delta(before)["hits"] >= 6 and _delta(before)["misses"] == 0
    np.testing.assert_equal(str(again), str(fresh))       # same values, same source


def test_a_fresh_process_reads_the_entry(tmp_path):
    module = tmp_path / "fresh_process.py"
    module.write_text(MODULE)
    script = textwrap.dedent(f"""\
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        import s2sad
        from s2sad.driver import diskcache, pipeline
        calls = []
        original = pipeline.adjoint
        pipeline.adjoint = lambda *a, **k: calls.append(1) or original(*a, **k)
        import fresh_process as m
        value = s2sad.grad(m.f, wrt=(0, 1))(0.7, 1.3)
        print(json.dumps({{"value": list(value), "transformed": len(calls),
                          **diskcache.STATS}}))
        """)
    env = dict(os.environ, S2SAD_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                      capture_output=True, text=True).stdout)
            for _ in range(2)]
    assert runs[0]["transformed"] == 2 and runs[0]["hits"] == 0      # f, then helper
    assert runs[1]["transformed"] == 0 and runs[1]["hits"] == 2
    assert runs[1]["checks_skipped"] == 1 and runs[1]["value"] == runs[0]["value"]
    x, y = 0.7, 1.3
    df_dx = (math.cos(x) * y + 2 * x) * y
    df_dy = 2 * math.sin(x) * y + x * x
    assert runs[1]["value"] == pytest.approx([df_dx, df_dy], rel=1e-12)


def _edited_case(tmp_path, original, edited, reimport):
    path = tmp_path / f"edited_{uuid.uuid4().hex[:8]}.py"
    path.write_text(original)
    name = f"_dc_{uuid.uuid4().hex}"
    sys.path.insert(0, str(tmp_path))
    try:
        os.rename(path, path.with_name(name + ".py"))
        module = importlib.import_module(name)
        x = (0.7, 1.3)
        s2sad.grad(module.f)(*x)
        Path(module.__file__).write_text(edited)
        stat = os.stat(module.__file__)
        os.utime(module.__file__, (stat.st_atime + 10, stat.st_mtime + 10))
        new = reimport(module, tmp_path, edited)
        CACHE.clear()                                  # what is unchanged comes from disk
        before = _stats()
        gradient = s2sad.grad(new.f)(*x)
        assert gradient == pytest.approx(fd_grad(new.f, x, 0), rel=1e-6)
        return _delta(before)
    finally:
        sys.path.remove(str(tmp_path))


def _reload(module, tmp_path, text):
    importlib.invalidate_caches()
    return importlib.reload(module)


def _as_new_module(module, tmp_path, text):
    return _module(tmp_path, text)


@pytest.mark.parametrize("reimport", [_reload, _as_new_module], ids=["reload", "new-module"])
def test_an_edited_function_misses(cache_dir, tmp_path, reimport):
    edited = MODULE.replace("z * y", "z * y * y")
    delta = _edited_case(tmp_path, MODULE, edited, reimport)
    if reimport is _reload:
        assert delta["misses"] == 1 and delta["hits"] == 1      # f anew; helper unchanged
    else:
        assert delta["misses"] == 2         # another module (name, file): both anew


def test_an_edited_callee_invalidates_the_caller(cache_dir, tmp_path):
    edited = MODULE.replace("np.sin(x) * y", "np.cos(x) * y")
    delta = _edited_case(tmp_path, MODULE, edited, _reload)
    assert delta["misses"] == 2 and delta["hits"] == 0          # helper and f anew


def test_a_rebound_name_misses(cache_dir, tmp_path):
    m = _module(tmp_path, MODULE)
    x = (0.7, 1.3)
    s2sad.grad(m.f)(*x)
    m.helper = _module(tmp_path, "def helper(x, y):\n    return x * x * y\n").helper
    CACHE.clear()
    before = _stats()
    assert s2sad.grad(m.f)(*x) == pytest.approx(fd_grad(m.f, x, 0), rel=1e-6)
    assert _delta(before)["misses"] == 2 and _delta(before)["hits"] == 0


RULED = textwrap.dedent("""\
    def square(x):
        return x * x


    def uses(x):
        return square(x) * 2.0
    """)


def test_a_changed_user_rule_is_never_served_stale(cache_dir, tmp_path):
    m = _module(tmp_path, RULED)
    assert s2sad.grad(m.uses)(3.0) == pytest.approx(12.0)
    s2sad.defvjp(m.square, lambda g, ans, x: 100.0 * g)           # a deliberately odd rule
    try:
        assert s2sad.grad(m.uses)(3.0) == pytest.approx(200.0)
        s2sad.defvjp(m.square, lambda g, ans, x: 10.0 * g)
        assert s2sad.grad(m.uses)(3.0) == pytest.approx(20.0)
    finally:
        forget(m.square)
    assert s2sad.grad(m.uses)(3.0) == pytest.approx(12.0)


def test_closures_of_one_factory_keep_their_own_cells(cache_dir, tmp_path):
    m = _module(tmp_path, "import math\n\n\ndef make(c):\n    def closed(x):\n"
                          "        return c * math.sin(x)\n    return closed\n")
    for c in (2.0, 5.0, -1.0):
        assert s2sad.grad(m.make(c))(0.5) == pytest.approx(c * math.cos(0.5))
    CACHE.clear()                                          # now from the disk
    for c in (2.0, 5.0, -1.0):
        assert s2sad.grad(m.make(c))(0.5) == pytest.approx(c * math.cos(0.5))


def _entries(path):
    return sorted(p for p in Path(path).glob("*.py"))


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],                          # truncated
    lambda data: b"garbage\n" + data[8:],                         # header overwritten
    lambda data: data[:-5] + b"1.0)\n",                           # body altered
    lambda data: b"",                                             # empty
], ids=["truncated", "header", "body", "empty"])
def test_a_damaged_entry_is_a_miss_and_is_rewritten(cache_dir, tmp_path, damage):
    m = _module(tmp_path, MODULE)
    expected = s2sad.grad(m.g)(np.linspace(0.0, 1.0, 4))
    entries = _entries(cache_dir)
    sound = {p: p.read_bytes() for p in entries}
    for p in entries:
        p.write_bytes(damage(sound[p]))
    CACHE.clear()
    before = _stats()
    np.testing.assert_allclose(s2sad.grad(m.g)(np.linspace(0.0, 1.0, 4)), expected)
    assert _delta(before)["corrupt"] >= 1 and _delta(before)["hits"] == 0
    assert {p: p.read_bytes() for p in _entries(cache_dir)} == sound


def _unsafe_world_writable(path):
    path.mkdir()
    path.chmod(0o777)
    return path


def _unsafe_symlink(path):
    real = path.with_name("real")
    real.mkdir(mode=0o700)
    path.symlink_to(real)
    return path


def _unsafe_other_owner(path):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("changing a directory's owner needs root")
    path.mkdir(mode=0o700)
    os.chown(path, 65534, -1)
    return path


@pytest.mark.parametrize("make", [_unsafe_world_writable, _unsafe_symlink,
                                  _unsafe_other_owner],
                         ids=["world-writable", "symlink", "other-owner"])
def test_an_unsafe_directory_is_refused_with_one_warning(tmp_path, make):
    path = make(tmp_path / "unsafe")
    before = diskcache._state["configured"]
    s2sad.set_cache_dir(path)
    CACHE.clear()
    try:
        m = _module(tmp_path, MODULE)
        with pytest.warns(s2sad.CacheWarning, match="memory only") as record:
            first = s2sad.grad(m.f)(0.7, 1.3)
            CACHE.clear()
            second = s2sad.grad(m.f)(0.7, 1.3)
        assert len([w for w in record if w.category is s2sad.CacheWarning]) == 1
        assert first == second == pytest.approx(fd_grad(m.f, (0.7, 1.3), 0), rel=1e-6)
        assert list(Path(path).iterdir()) == []
        assert not s2sad.cache_info()["enabled"]
    finally:
        diskcache._state["configured"] = before
        CACHE.clear()


@pytest.mark.parametrize("disk", [False, True], ids=["memory", "disk"])
def test_eight_threads_transform_once_and_share_the_function(tmp_path, monkeypatch, disk):
    before = diskcache._state["configured"]
    s2sad.set_cache_dir(tmp_path / "cache" if disk else None)
    CACHE.clear()
    try:
        m = _module(tmp_path, MODULE)
        calls = _counting(monkeypatch)
        slow = pipeline.adjoint
        monkeypatch.setattr(pipeline, "adjoint",
                            lambda *a, **k: time.sleep(0.05) or slow(*a, **k))
        target = Target(m.g)
        start = threading.Barrier(8)
        results = [None] * 8

        def ask(i):
            start.wait()
            results[i] = target.generated(("a",), {"a": np.ones(3)}, "grad").functions[0]
        threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert calls == ["g"]
        assert all(r is results[0] for r in results)
        assert len(_entries(tmp_path / "cache")) == (1 if disk else 0)
    finally:
        diskcache._state["configured"] = before
        CACHE.clear()


WORKER = textwrap.dedent("""\
    import json, math, os, sys
    sys.path.insert(0, sys.argv[1])
    import s2sad
    from s2sad.driver import diskcache
    from s2sad.driver.compile import CACHE
    import shared_module as m
    wrong = 0
    for i in range(int(sys.argv[2])):
        if i % 3 == 0:
            for entry in os.listdir(os.environ["S2SAD_CACHE_DIR"]):
                if entry.endswith(".py") and not entry.startswith("."):
                    try:
                        os.remove(os.path.join(os.environ["S2SAD_CACHE_DIR"], entry))
                    except FileNotFoundError:
                        pass
        CACHE.clear()
        x, y = 0.7, 1.3
        got = s2sad.grad(m.f)(x, y)
        wrong += int(abs(got - (math.cos(x) * y + 2 * x) * y) > 1e-12)
    print(json.dumps(dict(diskcache.STATS, wrong=wrong)))
    """)


def test_two_processes_sharing_a_directory_never_read_half_a_file(tmp_path):
    (tmp_path / "shared_module.py").write_text(MODULE)
    (tmp_path / "cache").mkdir(mode=0o700)
    env = dict(os.environ, S2SAD_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), "40"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    for w, (out, err) in zip(workers, outputs):
        assert w.returncode == 0, err
        stats = json.loads(out)
        assert stats["wrong"] == 0 and stats["corrupt"] == 0
        assert stats["hits"] > 0 and stats["writes"] > 0
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".tmp")]


def _cli(*args, cache):
    env = dict(os.environ, S2SAD_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "s2sad", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cache_info_and_clear_on_the_command_line(tmp_path):
    cache = tmp_path / "cache"
    (tmp_path / "cli_module.py").write_text(MODULE)
    env = dict(os.environ, S2SAD_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                    "import s2sad, cli_module as m; s2sad.grad(m.f)(0.7, 1.3)", str(tmp_path)],
                   env=env, check=True, timeout=120)
    count = len(_entries(cache))
    assert count == 3                             # f, helper, and f's checked marker
    info = _cli("cache", "info", cache=cache)
    assert info.returncode == 0, info.stderr
    assert str(cache) in info.stdout and "enabled:   yes" in info.stdout
    assert f"entries:   {count}" in info.stdout
    size = sum(p.stat().st_size for p in _entries(cache))
    assert f"size:      {size} bytes" in info.stdout
    cleared = _cli("cache", "clear", cache=cache)
    assert cleared.returncode == 0 and f"removed {count} entries" in cleared.stdout
    assert _entries(cache) == []
    assert "entries:   0" in _cli("cache", "info", cache=cache).stdout


def test_cache_info_names_why_a_directory_is_refused(tmp_path):
    cache = _unsafe_world_writable(tmp_path / "open")
    info = _cli("cache", "info", cache=cache)
    assert info.returncode == 0 and "no: it is writable by every user" in info.stdout
    cleared = _cli("cache", "clear", cache=cache)
    assert cleared.returncode == 2 and "writable by every user" in cleared.stderr
