"""examples/four_ways.py runs, with or without matplotlib and sympy."""
import runpy

from tools import generate


def test_four_ways_runs_and_reaches_machine_precision(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                 # where the plot would go
    runpy.run_path(str(generate.ROOT / "examples" / "four_ways.py"), run_name="__main__")
    out = capsys.readouterr().out
    for heading in ("1. By hand", "2. Finite differences", "3. Symbolic", "4. Automatic"):
        assert heading in out
    automatic = out.split("4. Automatic")[1]
    errors = [float(line.rsplit("error", 1)[1]) for line in automatic.splitlines()
              if "error" in line and "check_grad" not in line]
    assert len(errors) == 4 and max(errors) < 1e-13
