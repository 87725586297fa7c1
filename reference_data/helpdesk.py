"""The helpdesk's knowledge base (常见问题): shipped articles on the registration's steps and on
each department, searched before a question goes to a department's queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from reference_data.scope import DATA, bigrams

# A question reads as answered by an article when one of its keywords is in the question, or
# when this share of the question's character pairs are in the article.
COVERAGE_FLOOR = 0.3


@dataclass(frozen=True)
class Article:
    id: str
    department: str  # a department of the topology, or "general"
    title_zh: str
    title_en: str
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]
    body_zh: str
    body_en: str


@cache
def articles() -> dict[str, Article]:
    data = json.loads((DATA / "helpdesk_articles.json").read_text("utf-8"))
    return {
        a["id"]: Article(
            **{**a, "keywords_zh": tuple(a["keywords_zh"]), "keywords_en": tuple(a["keywords_en"])}
        )
        for a in data["articles"]
    }


def _squeezed(text: str) -> str:
    """Lower case, no spaces: Chinese has none, and English then matches across them."""
    return "".join(text.lower().split())


def _score(query: str, article: Article) -> float:
    keywords = [_squeezed(k) for k in (*article.keywords_zh, *article.keywords_en)]
    hits = sum(1 for k in keywords if k in query)
    text = _squeezed(f"{article.title_zh}{article.body_zh}{article.title_en}{article.body_en}")
    grams = bigrams(query)
    coverage = sum(1 for g in grams if g in text) / len(grams)
    return hits * 2 + coverage if hits or coverage >= COVERAGE_FLOOR else 0.0


def suggest(question: str, limit: int = 3) -> list[Article]:
    """The articles most likely to answer `question`, best first; none when nothing fits."""
    query = _squeezed(question)
    if not query:
        return []
    scored = [(_score(query, a), a) for a in articles().values()]
    return [a for s, a in sorted(scored, key=lambda p: p[0], reverse=True) if s > 0][:limit]
