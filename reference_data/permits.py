"""The post-licence permit catalogue (后置审批事项推送告知目录, 证照分离).

Nansha reformed its post-licence approval items into four kinds: approval cancelled (the
licence is enough), approval turned into a filing (备案), notification with commitment (告知承诺:
the enterprise commits to meet the conditions and is checked afterwards), and an application
the competent department reviews. Each item names its competent department and its statutory
time limit, and lists the business-scope items (permit flag `post`) that need it: the keywords
by which a licence's scope is pushed to that department (推送告知).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from contracts.topology import TOPOLOGY
from reference_data.scope import DATA, find

PermitKind = Literal["cancelled", "filing", "commitment", "application"]


@dataclass(frozen=True)
class PostLicencePermit:
    id: str
    name_zh: str
    name_en: str
    kind: PermitKind
    department: str
    time_limit_working_days: int
    scope_items: tuple[str, ...]


@cache
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "post_licence_permits.json").read_text("utf-8"))
    return loaded


@cache
def permits() -> dict[str, PostLicencePermit]:
    return {
        i["id"]: PostLicencePermit(**{**i, "scope_items": tuple(i["scope_items"])})
        for i in _data()["items"]
    }


@cache
def external_departments() -> dict[str, dict[str, str]]:
    """Competent departments outside this project's topology, with their names."""
    found: dict[str, dict[str, str]] = _data()["external_departments"]
    return found


def department_labels(department: str) -> tuple[str, str]:
    """A competent department's Chinese and English names, whether it runs here or outside."""
    outside = external_departments().get(department)
    if outside is not None:
        return outside["label_zh"], outside["label_en"]
    return TOPOLOGY.label_zh(department), TOPOLOGY.label_en(department)


def permits_for_scope(scope: list[str]) -> list[tuple[PostLicencePermit, list[str]]]:
    """Each permit a licence's business scope needs after the licence, with the scope items
    that need it, in catalogue order. Items not in the scope catalogue need nothing here."""
    names = {item.name for text in scope if (item := find(text)) and item.permit == "post"}
    return [
        (permit, [s for s in permit.scope_items if s in names])
        for permit in permits().values()
        if names.intersection(permit.scope_items)
    ]
