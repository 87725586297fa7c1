"""The reference pages list what the code defines: checked here, so they cannot drift."""

import re
from pathlib import Path

from contracts.topics import SHARED_CONTRACT_TOPICS
from contracts.topology import TOPOLOGY
from service_runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_setting_is_documented() -> None:
    page = (DOCS / "settings.md").read_text("utf-8")
    aliases = {field.alias for field in Settings.model_fields.values() if field.alias}
    assert {alias for alias in aliases if f"`{alias}`" not in page} == set()


def test_every_contract_topic_and_the_form_topics_are_documented() -> None:
    page = (DOCS / "events.md").read_text("utf-8")
    assert {t for t in SHARED_CONTRACT_TOPICS if f"`{t}`" not in page} == set()
    for pattern in ("registration.submitted.<recipient>.v1", "registration.corrected."):
        assert pattern in page


def test_every_department_is_documented() -> None:
    page = (DOCS / "departments.md").read_text("utf-8")
    assert {d.name for d in TOPOLOGY.departments if f"`{d.name}`" not in page} == set()


def test_every_relative_link_in_the_readme_and_the_docs_resolves() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = [
        f"{page.relative_to(ROOT)} → {target}"
        for page in pages
        for target in LINK.findall(page.read_text("utf-8"))
        if not target.startswith(("http://", "https://")) and not (page.parent / target).exists()
    ]
    assert broken == []
