"""Run every benchmark and write one report (bench/REPORT.md and bench/report.json)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _machine() -> dict:
    mem_gib = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import django

    return {
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _run_module(name: str, out: Path) -> int:
    """One benchmark in this process (`python -m bench --module NAME OUT.json`): its figures go to OUT."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockguardian.settings.test")
    sys.path.insert(0, str(HERE.parent))
    import django

    django.setup()
    figures = []
    module = importlib.import_module(f"bench.{name}")
    for figure in module.run():
        figure.setdefault("module", name)
        figures.append(figure)
        print(
            f"  {figure['name']}: {figure['value']} {figure.get('unit', '')} "
            f"(baseline {figure.get('baseline_value')}, ratio {figure.get('ratio')})",
            flush=True,
        )
    out.write_text(json.dumps(figures, default=str))
    return 0


def main(argv: list[str]) -> int:
    """Each benchmark runs in a process of its own: one's heap (the credit benchmark's 100,000
    applicants, say) must not lengthen the garbage collector's pauses in the next one's latencies."""
    if argv[:1] == ["--module"]:
        return _run_module(argv[1], Path(argv[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockguardian.settings.test")
    sys.path.insert(0, str(HERE.parent))
    import django

    django.setup()
    only = set(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py") if not only or p.stem in only)
    figures, failures, durations = [], [], {}
    run_started = time.perf_counter()
    for name in modules:
        started = time.perf_counter()
        print(f"bench: {name} ...", flush=True)
        with tempfile.TemporaryDirectory() as directory:
            out = Path(directory) / "figures.json"
            child = subprocess.run(
                [sys.executable, "-m", "bench", "--module", name, str(out)], cwd=HERE.parent, check=False
            )
            if child.returncode == 0 and out.exists():
                figures += json.loads(out.read_text())
            else:
                failures.append({"module": name, "error": f"exited with {child.returncode} (its output is above)"})
        durations[name] = round(time.perf_counter() - started, 1)
        print(f"bench: {name} took {durations[name]}s", flush=True)
    report = {
        "machine": _machine(),
        "seconds": {"total": round(time.perf_counter() - run_started, 1), **durations},
        "figures": figures,
        "failures": failures,
    }
    (HERE / "report.json").write_text(json.dumps(report, indent=2, default=str))
    (HERE / "REPORT.md").write_text(_markdown(report))
    print(f"bench: wrote {HERE / 'REPORT.md'}")
    return 1 if failures else 0


def _markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Benchmark report",
        "",
        f"{m['date']} · {m['cores']} cores · {m['memory_gib']} GiB · Python {m['python']} · Django {m['django']}",
        "",
        "Run time: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in report.get("seconds", {}).items()),
        "",
        "| benchmark | figure | baseline (same run) | ratio | target | met | counts | data |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in report["figures"]:
        met = {True: "yes", False: "**no**", None: ""}[f.get("met")]
        baseline = f"{f['baseline']}: {f.get('baseline_value')}" if f.get("baseline") else ""
        counts = ", ".join(f"{k} {v}" for k, v in (f.get("counts") or {}).items())
        lines.append(
            f"| {f['name']} | {f['value']} {f.get('unit', '')} | {baseline} | {_blank(f.get('ratio'))} "
            f"| {_blank(f.get('target'))} | {met} | {counts} | {_blank(f.get('data_size'))} |"
        )
    for failure in report["failures"]:
        lines += ["", f"**{failure['module']} failed:**", "```", failure["error"], "```"]
    return "\n".join(lines) + "\n"


def _blank(value) -> str:
    return "" if value is None else str(value)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
