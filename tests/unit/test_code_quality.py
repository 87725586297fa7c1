"""Strict tooling is part of the suite: ruff with every rule family, mypy --strict."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        [BIN / "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_ruff_format_is_clean() -> None:
    result = subprocess.run(
        [BIN / "ruff", "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_strict_finds_nothing_tests_included() -> None:
    result = subprocess.run(
        [
            BIN / "mypy",
            "contracts",
            "reference_data",
            "service_runtime",
            "services",
            "tools",
            "tests",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


MAX_SERVICE_MODULE_LINES = 250


def test_every_service_module_is_small_enough_to_read_whole() -> None:
    """A module past this mixes layers (routes, use cases, storage, messaging): split it."""
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "services").rglob("*.py"))
        if (lines := len(path.read_text("utf-8").splitlines())) >= MAX_SERVICE_MODULE_LINES
    }
    assert too_long == {}
