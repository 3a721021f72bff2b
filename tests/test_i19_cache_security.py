"""Issue 19: the disk cache never runs code that someone else could have written.

Each attack plants *sound* entries (right checksum, key and lengths) whose code
creates a marker file when it runs, written by a process running as another
user (uid 65534, as root drops privileges in a subprocess) wherever that user
could write. The victim must never create the marker, and its derivatives must
still agree with finite differences. A control test shows the same planted
entries do run when they are trusted, so a marker that stays absent means
something. Finally eight processes hammer one cache while a ninth corrupts,
poisons and clears it, every gradient checked against finite differences.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import s2sad
from s2sad.driver import diskcache
from s2sad.driver.compile import CACHE
from tests.fd import assert_close_to_fd, fd_grads, fd_vjp
from tests.test_disk_cache import _module

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534

MODULE = textwrap.dedent("""\
    import numpy as np


    def layer(w, x):
        return np.tanh(x @ w)


    def loss(w, x, t):
        err = layer(w, x) - t
        return np.sum(err * err) / t.shape[0]
    """)

# Shared, as text, with the corrupting process of the hammer test.
POISON = textwrap.dedent('''\
    import ast, hashlib, json


    def poison(data, marker):
        """A sound entry (checksum, key and lengths right) whose first unit creates
        ``marker`` when it runs; None for an entry without code, or not sound."""
        head, _, rest = data.partition(b"\\n")
        try:
            meta_line, _, text = rest.decode().partition("\\n")
            meta = json.loads(meta_line[2:])
            first = meta["units"][0]
        except (ValueError, KeyError, IndexError):
            return None
        unit = text[:first["length"]]
        try:                                 # an entry another actor cut or changed
            statement = ast.parse(unit).body[0].body[0]
        except (SyntaxError, IndexError, AttributeError):
            return None
        lines = unit.splitlines(True)
        indent = lines[statement.lineno - 1][:statement.col_offset]
        lines.insert(statement.lineno - 1, f"{indent}open({marker!r}, 'a').close()\\n")
        new = "".join(lines)
        first["length"] = len(new)
        body = ("# " + json.dumps(meta, sort_keys=True) + "\\n" + new
                + text[len(unit):]).encode()
        return ("# s2sad-cache sha256=" + hashlib.sha256(body).hexdigest()
                + "\\n").encode() + body
    ''')
exec(POISON)


def _drop():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _as_nobody(*command, data=None):
    """Run ``command`` as uid and gid 65534."""
    subprocess.run(command, input=data, preexec_fn=_drop, check=True, timeout=60,
                   capture_output=True)


def _plant(path, data):
    """Write ``data`` to ``path`` from a process running as another user."""
    _as_nobody("/bin/sh", "-c", 'cat > "$1"', "sh", str(path), data=data)


@pytest.fixture
def base():
    """A directory the other user can reach (pytest's tmp_path is private to root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("planting an entry as another user needs root")
    try:
        subprocess.run(["true"], preexec_fn=_drop, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot run a process as another user here")
    path = Path(tempfile.mkdtemp(prefix="s2sad-i19-"))
    path.chmod(0o755)
    before = diskcache._state["configured"]
    CACHE.clear()
    yield path
    diskcache._state["configured"] = before
    CACHE.clear()
    shutil.rmtree(path)


def _check_all(m):
    """grad, vjp and jvp of a small training loss, each against finite differences;
    the caller's arrays are left as they were."""
    rng = np.random.default_rng(19)
    w, x, t = rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), \
        rng.standard_normal((4, 2))
    kept = [a.copy() for a in (w, x, t)]
    assert_close_to_fd(s2sad.grad(m.loss)(w, x, t), fd_grads(m.loss, (w, x, t), (0,))[0])
    seed = rng.standard_normal((4, 2))
    y, pullback = s2sad.vjp(m.layer, w, x)
    for got, want in zip(pullback(seed), fd_vjp(m.layer, (w, x), (0, 1), seed)):
        assert_close_to_fd(got, want)
    dw, dx = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    h = 1e-6
    want = (m.layer(w + h * dw, x + h * dx) - m.layer(w - h * dw, x - h * dx)) / (2 * h)
    np.testing.assert_allclose(s2sad.jvp(m.layer, (w, x), (dw, dx))[1], want,
                               rtol=1e-6, atol=1e-8)
    for a, b in zip((w, x, t), kept):
        np.testing.assert_array_equal(a, b)


def _entries(path):
    return sorted(p for p in Path(path).iterdir() if diskcache._ENTRY.fullmatch(p.name))


def _poisoned(base, m, marker):
    """{entry name: bytes} for every entry the victim writes, those with code poisoned."""
    s2sad.set_cache_dir(base / "build")
    CACHE.clear()
    _check_all(m)
    CACHE.clear()
    entries = {p.name: p.read_bytes() for p in _entries(base / "build")}
    planted = {name: poison(data, str(marker)) or data for name, data in entries.items()}
    assert sum(planted[n] != entries[n] for n in entries) >= 3
    return planted


@pytest.fixture
def attack(base):
    m = _module(base, MODULE)
    marker = base / "marker"
    return m, marker, _poisoned(base, m, marker)


def _run_victim(m, cache):
    """The victim's derivatives with the cache at ``cache``: the warnings and counts."""
    s2sad.set_cache_dir(cache)
    CACHE.clear()
    before = dict(diskcache.STATS)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _check_all(m)
    delta = {k: v - before[k] for k, v in diskcache.STATS.items()}
    return [str(w.message) for w in record if w.category is s2sad.CacheWarning], delta


def test_control_the_planted_entries_run_when_trusted(base, attack):
    """Without this, a marker that never appears would prove nothing."""
    m, marker, planted = attack
    cache = base / "mine"
    cache.mkdir(mode=0o700)
    for name, data in planted.items():
        fd = os.open(cache / name, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, data)
        os.close(fd)
    _run_victim(m, cache)
    assert marker.exists()


# The directory holds what another user wrote: the cache is not used at all.

def _world_writable(base, mode=0o777):
    path = base / "cache"
    path.mkdir()
    path.chmod(mode)
    return path


def _group_writable(base, mode):
    path = base / "cache"
    path.mkdir()
    os.chown(path, -1, NOBODY)
    path.chmod(mode)
    return path


def _theirs(base):
    """A directory of the other user's (given to them: they cannot write ``base``)."""
    path = base / "theirs"
    if not path.exists():
        path.mkdir(mode=0o755)
        os.chown(path, NOBODY, NOBODY)
    return path


def _symlink_to_theirs(base):
    path = base / "cache"
    path.symlink_to(_theirs(base))
    return path


def _owned_by_another(base):
    return _theirs(base)


@pytest.mark.parametrize("make", [
    _world_writable, lambda b: _world_writable(b, 0o1777),
    lambda b: _group_writable(b, 0o770), lambda b: _group_writable(b, 0o775),
    _symlink_to_theirs, _owned_by_another,
], ids=["0777", "1777", "group-0770", "group-0775", "symlink", "other-owner"])
def test_a_directory_another_user_can_write_is_never_used(base, attack, make):
    m, marker, planted = attack
    cache = make(base)
    for name, data in planted.items():
        _plant(cache / name, data)
    before = {p.name: p.read_bytes() for p in _entries(cache)}
    messages, delta = _run_victim(m, cache)
    assert not marker.exists(), "the planted code ran"
    assert messages and all("memory only" in text for text in messages)
    assert delta["hits"] == 0 and delta["writes"] == 0
    assert {p.name: p.read_bytes() for p in _entries(cache)} == before
    assert not s2sad.cache_info()["enabled"]


def test_a_group_writable_directory_says_how_to_fix_it(base):
    cache = _group_writable(base, 0o775)
    s2sad.set_cache_dir(cache)
    reason = s2sad.cache_info()["reason"]
    assert "writable by its group" in reason and "chmod go-w" in reason


# The directory is ours and private, an entry is not what it seems: refused, rebuilt.

def _symlink_to_their_file(base, cache, name, data):
    folder = _theirs(base)
    _plant(folder / name, data)
    (cache / name).symlink_to(folder / name)


def _symlink_to_my_file(base, cache, name, data):
    folder = base / "elsewhere"
    folder.mkdir(mode=0o700, exist_ok=True)
    (folder / name).write_bytes(data)
    (folder / name).chmod(0o600)
    (cache / name).symlink_to(folder / name)


def _planted_before_tightening(base, cache, name, data):
    """Planted while the directory was group-writable; its owner then ran chmod 0700."""
    os.chown(cache, -1, NOBODY)
    cache.chmod(0o770)
    _plant(cache / name, data)
    cache.chmod(0o700)


def _mine_but_writable(mode):
    def plant(base, cache, name, data):
        (cache / name).write_bytes(data)
        (cache / name).chmod(mode)
    return plant


@pytest.mark.parametrize("plant", [
    _symlink_to_their_file, _symlink_to_my_file, _planted_before_tightening,
    _mine_but_writable(0o664), _mine_but_writable(0o606),
], ids=["symlink-to-theirs", "symlink-to-mine", "owned-by-another", "group-writable",
        "world-writable"])
def test_an_entry_another_user_could_write_is_refused_and_rebuilt(base, attack, plant):
    m, marker, planted, cache, messages, delta = _planted_in_private(base, attack, plant)
    assert not marker.exists(), "the planted code ran"
    assert delta["refused"] >= len(planted) - 2 and delta["hits"] == 0
    assert messages and all("built again" in text for text in messages)
    _assert_rebuilt(m, cache, planted)
    assert not marker.exists()


def _planted_in_private(base, attack, plant):
    """The victim run on a private cache of ours whose entries ``plant`` put there."""
    m, marker, planted = attack
    cache = base / "cache"
    cache.mkdir(mode=0o700)
    for name, data in planted.items():
        plant(base, cache, name, data)
    return (m, marker, planted, cache) + _run_victim(m, cache)


def _assert_rebuilt(m, cache, planted):
    """Every entry is now a private regular file of ours, and a fresh start hits them
    all without a warning."""
    for name in planted:
        info = os.lstat(cache / name)
        assert stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()
        assert not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    messages, delta = _run_victim(m, cache)
    assert messages == [] and delta["misses"] == 0 and delta["hits"] >= 3


def _stale_checksum(base, cache, name, data):
    """The code is altered, the checksum left as it was (the file is still ours)."""
    sound = (base / "build" / name).read_bytes()
    (cache / name).write_bytes(sound.partition(b"\n")[0] + b"\n" + data.partition(b"\n")[2])


def _truncated(base, cache, name, data):
    (cache / name).write_bytes(data[: len(data) // 2])


def _garbage(base, cache, name, data):
    (cache / name).write_bytes(bytes(range(256)) * 3)


def _fifo(base, cache, name, data):
    os.mkfifo(cache / name, 0o600)


@pytest.mark.parametrize("plant", [_stale_checksum, _truncated, _garbage, _fifo],
                         ids=["stale-checksum", "truncated", "garbage", "named-pipe"])
def test_a_damaged_entry_is_a_miss_and_is_rebuilt(base, attack, plant):
    m, marker, planted, cache, messages, delta = _planted_in_private(base, attack, plant)
    assert not marker.exists()
    assert delta["corrupt"] + delta["refused"] >= len(planted) - 2 and delta["hits"] == 0
    _assert_rebuilt(m, cache, planted)


def test_an_entry_replaced_by_a_directory_is_refused_and_warned(base, attack):
    m, marker, planted = attack
    cache = base / "cache"
    cache.mkdir(mode=0o700)
    for name in planted:
        (cache / name).mkdir()
    messages, delta = _run_victim(m, cache)         # derivatives right: memory only
    assert not marker.exists() and delta["hits"] == 0
    assert any("cannot write" in text for text in messages)


def test_the_parent_of_the_cache_may_be_a_symlink(base, attack):
    m, marker, _ = attack
    (base / "real").mkdir(mode=0o700)
    (base / "link").symlink_to(base / "real")
    cache = base / "link" / "cache"
    messages, delta = _run_victim(m, cache)
    assert messages == [] and delta["writes"] >= 3
    messages, delta = _run_victim(m, cache)
    assert messages == [] and delta["hits"] >= 3 and delta["misses"] == 0
    assert not marker.exists()


# Eight processes use one cache while a ninth damages, poisons and clears it.

HAMMER = textwrap.dedent("""\
    import json, sys, warnings
    import s2sad
    from s2sad.driver import diskcache
    from s2sad.driver.compile import CACHE
    from tests import test_i19_cache_security as t
    warnings.simplefilter("ignore", s2sad.CacheWarning)
    sys.path.insert(0, sys.argv[1])
    import shared_victim as m
    for _ in range(int(sys.argv[2])):
        CACHE.clear()
        t._check_all(m)
    print(json.dumps(diskcache.STATS))
    """)

CORRUPTER = POISON + textwrap.dedent("""\


    import os, random, sys, time
    cache, marker, stop = sys.argv[1:4]
    spare = os.path.join(os.path.dirname(cache), "spare")
    os.makedirs(spare, mode=0o700, exist_ok=True)
    rng = random.Random(19)
    done = 0


    def some_entry():
        names = [n for n in os.listdir(cache) if n.endswith(".py") and len(n) == 67]
        return os.path.join(cache, rng.choice(names)) if names else None


    def read(path):
        with open(path, "rb") as f:
            return f.read()


    def poisoned(path):
        data = read(path)
        return poison(data, marker) if not os.path.islink(path) else None


    def act(path):
        what = rng.randrange(7)
        if what == 0:                              # truncated in place
            os.truncate(path, rng.randrange(os.path.getsize(path) + 1))
        elif what == 1:                            # bytes flipped in place
            with open(path, "r+b") as f:
                f.seek(rng.randrange(max(1, os.path.getsize(path))))
                f.write(os.urandom(8))
        elif what == 2:                            # cleared
            for n in os.listdir(cache):
                os.remove(os.path.join(cache, n))
        elif what in (3, 4) and (bad := poisoned(path)):
            other = os.path.join(spare, f"{done}.py")
            with open(other, "wb") as f:
                f.write(bad)
            if what == 3:                          # a symbolic link to a sound poison
                os.symlink(other, other + ".link")
                os.replace(other + ".link", path)
            else:                                  # a sound poison others can write
                os.chmod(other, 0o666)
                os.replace(other, path)
        elif what == 5:                            # the directory, group-writable a while
            os.chmod(cache, 0o770)
            time.sleep(0.02)
            os.chmod(cache, 0o700)
        elif what == 6 and (bad := poisoned(path)):  # a poison that keeps a stale checksum
            head = read(path).partition(b"\\n")[0]
            with open(path, "r+b") as f:
                f.write(head + b"\\n" + bad.partition(b"\\n")[2])


    while not os.path.exists(stop):
        path = some_entry()
        if path:
            try:
                act(path)
                done += 1
            except (FileNotFoundError, ValueError, IndexError):
                pass
        time.sleep(0.005)
    print(done)
    """)


def test_eight_processes_and_a_corrupter_share_one_cache(tmp_path):
    base = tmp_path                      # no other user here: root is not needed
    cache, marker, stop = base / "cache", base / "marker", base / "stop"
    cache.mkdir(mode=0o700)
    (base / "shared_victim.py").write_text(MODULE)
    env = dict(os.environ, S2SAD_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    corrupter = subprocess.Popen([sys.executable, "-c", CORRUPTER, str(cache), str(marker),
                                  str(stop)], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    workers = [subprocess.Popen([sys.executable, "-c", HAMMER, str(base), "5"], env=env,
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for _ in range(8)]
    outputs = [w.communicate(timeout=300) for w in workers]
    stop.touch()
    damage, err = corrupter.communicate(timeout=60)
    assert corrupter.returncode == 0, err
    for w, (out, err) in zip(workers, outputs):
        assert w.returncode == 0, err[-3000:]
    stats = [json.loads(out) for out, _ in outputs]
    print(f"{time.monotonic() - start:.1f} s, {damage.strip()} acts of damage, totals",
          {k: sum(s[k] for s in stats) for k in stats[0]})
    assert not marker.exists(), "the planted code ran"
    assert int(damage) > 0 and sum(s["hits"] for s in stats) > 0
    assert sum(s["corrupt"] + s["refused"] for s in stats) > 0
