import json
from pathlib import Path

import pytest

from contracts.export import expected_files
from contracts.topology import TOPOLOGY, department_group


@pytest.mark.parametrize("path_and_text", list(expected_files().items()), ids=lambda p: p[0].name)
def test_committed_contract_file_matches_the_models(path_and_text: tuple[Path, str]) -> None:
    path, text = path_and_text
    assert path.exists(), f"{path.name} missing: run `make schemas` and commit"
    assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `make schemas`"


def test_every_department_has_its_own_consumer_group() -> None:
    groups = [s.group_id for s in TOPOLOGY.subscriptions]
    assert len(groups) == len(set(groups))
    assert {department_group(d.name) for d in TOPOLOGY.departments} <= set(groups)


def test_the_asyncapi_document_names_every_topic_and_dead_letter_topic() -> None:
    document = json.loads(
        expected_files()[next(p for p in expected_files() if p.name == "asyncapi.json")]
    )
    addresses = {c["address"] for c in document["channels"].values()}
    for topic in TOPOLOGY.contract_topics:
        assert topic in addresses
        assert f"{topic}.dlq" in addresses
    assert "registration.submitted.v1" not in addresses  # retired: it carried the whole form
