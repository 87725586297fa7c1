"""Shared fixtures: the sample form, and helpers to build events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sample_form() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / "registration.json").read_text("utf-8"))
    return data
