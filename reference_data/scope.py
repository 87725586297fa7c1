"""The business-scope catalogue (经营范围规范表述) and the foreign-investment negative list.

Both ship as data with the project. Free text is mapped to a catalogue entry or refused with
the closest suggestions; a foreign-invested scope is checked against the negative list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

DATA = Path(__file__).parent / "data"
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", " ": ""})


@dataclass(frozen=True)
class ScopeItem:
    code: str
    name: str
    industry: str
    permit: Literal["", "prior", "post"]
    negative_list: str | None = None


@dataclass(frozen=True)
class NegativeEntry:
    id: str
    kind: Literal["prohibited", "restricted"]
    text: str


@cache
def catalogue() -> dict[str, ScopeItem]:
    data = json.loads((DATA / "business_scope.json").read_text("utf-8"))
    return {i["name"]: ScopeItem(**i) for i in data["items"]}


@cache
def negative_list() -> dict[str, NegativeEntry]:
    data = json.loads((DATA / "foreign_investment_negative_list.json").read_text("utf-8"))
    return {e["id"]: NegativeEntry(**e) for e in data["entries"]}


def negative_list_source() -> str:
    data = json.loads((DATA / "foreign_investment_negative_list.json").read_text("utf-8"))
    return f"{data['title']}，{data['source'].split('。')[0]}"


def normalise(text: str) -> str:
    return text.strip().translate(_FULL_WIDTH)


def find(text: str) -> ScopeItem | None:
    return catalogue().get(normalise(text))


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def search(query: str, limit: int = 20) -> list[ScopeItem]:
    """Substring matches first, then the most similar names (character bigrams)."""
    query = normalise(query)
    items = list(catalogue().values())
    if not query:
        return items[:limit]
    wanted, chars = bigrams(query), set(query)

    def score(item: ScopeItem) -> tuple[bool, float, float]:
        grams = bigrams(item.name)
        return (
            query in item.name,
            len(wanted & grams) / len(wanted | grams),
            len(chars & set(item.name)) / len(chars | set(item.name)),
        )

    scored = sorted(((score(i), i) for i in items), key=lambda pair: pair[0], reverse=True)
    return [item for s, item in scored if s[0] or s[1] > 0 or s[2] > 0][:limit]


def negative_entry_for(item: ScopeItem) -> NegativeEntry | None:
    return negative_list().get(item.negative_list) if item.negative_list else None
