"""The committed ABI and bytecode are exactly what the pinned solc-js builds from the sources.

Needs node and npm: without them the rebuild is skipped locally, with the reason printed, and is a
failure under CI=true. The compiler comes from `contracts/node_modules` when `make contracts` put
the pinned version there, otherwise from `npm ci` into a temporary copy (the sources are not touched).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from blockguardian.chain.artefacts import CONTRACTS_DIR, registry_artefact

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BUILD_INPUTS = ["package.json", "package-lock.json", "build.js"]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason}: CI must rebuild the contracts, not skip it")
    print(f"contracts rebuild skipped: {reason}")
    pytest.skip(reason)


def _pinned() -> str:
    return json.loads((CONTRACTS_DIR / "package.json").read_text())["dependencies"]["solc"]


def _sources() -> list[Path]:
    return sorted(CONTRACTS_DIR.glob("*.sol"))


def _installed_solc(folder: Path) -> str | None:
    manifest = folder / "node_modules" / "solc" / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.is_file() else None


def _run(cmd: list[str], cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory) -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable("node and npm are needed to rebuild the contracts (make system-deps)")
    out = tmp_path_factory.mktemp("artefacts")
    workdir = CONTRACTS_DIR
    if _installed_solc(CONTRACTS_DIR) != _pinned():
        workdir = tmp_path_factory.mktemp("contracts")
        for path in [*(CONTRACTS_DIR / name for name in BUILD_INPUTS), *_sources()]:
            shutil.copy2(path, workdir / path.name)
        try:
            install = _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], workdir, timeout=300)
        except subprocess.TimeoutExpired:
            _unavailable("npm ci timed out")
        if install.returncode != 0:
            _unavailable(f"npm ci failed (is the npm registry reachable?): {install.stderr.strip()[-500:]}")
    build = _run([node, "build.js", "--out", str(out)], workdir, timeout=300)
    assert build.returncode == 0, build.stderr
    return out


def test_the_compiler_is_pinned_to_an_exact_0_8_release_in_package_and_lock():
    pinned = _pinned()
    lock = json.loads((CONTRACTS_DIR / "package-lock.json").read_text())

    assert re.fullmatch(r"0\.8\.\d+", pinned)
    assert lock["packages"][""]["dependencies"]["solc"] == pinned
    assert lock["packages"]["node_modules/solc"]["version"] == pinned
    assert registry_artefact()["compiler"]["version"].startswith(pinned + "+")


def test_the_committed_artefact_matches_its_source():
    import hashlib

    artefact = registry_artefact()
    source = (CONTRACTS_DIR / artefact["sourceName"]).read_bytes()

    assert artefact["sourceSha256"] == hashlib.sha256(source).hexdigest()
    assert {"anchor", "getAnchor", "setWriter"} <= {e["name"] for e in artefact["abi"] if e["type"] == "function"}


def test_a_fresh_compile_is_byte_for_byte_the_committed_artefacts(fresh_build):
    built = sorted(p.name for p in fresh_build.glob("*.json"))
    committed = sorted(f"{p.stem}.json" for p in _sources())

    assert built == committed
    for name in built:
        assert (fresh_build / name).read_bytes() == (CONTRACTS_DIR / name).read_bytes(), (
            f"{name} is stale: make contracts"
        )
