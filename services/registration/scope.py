"""Business-scope checks at intake: catalogue items only, and the foreign-investment negative list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from contracts.form import EnterpriseType, RegistrationForm
from reference_data.scope import find, negative_entry_for, negative_list_source, search

router = APIRouter(tags=["catalogue"])


# A catalogue search per unknown item cost ~4 ms of CPU on the event loop (50 unknown items:
# ~190 ms); past this many, an unknown item is named without suggestions.
SUGGESTED_ITEMS = 5


def scope_errors(form: RegistrationForm) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    foreign = form.enterprise.type == EnterpriseType.FOREIGN_INVESTED_LLC
    unknown = 0
    for index, text in enumerate(form.enterprise.business_scope):
        path = f"enterprise.business_scope.{index}"
        item = find(text)
        if item is None:
            unknown += 1
            suggestions = [s.name for s in search(text, 5)] if unknown <= SUGGESTED_ITEMS else []
            errors.append(
                {
                    "path": path,
                    "rule": "scope_item_in_catalogue",
                    "message_zh": f"“{text}”不是规范表述，可选：" + "、".join(suggestions),
                    "message_en": f"'{text}' is not in the business-scope catalogue; see the suggestions",
                    "suggestions": suggestions,
                }
            )
            continue
        entry = negative_entry_for(item)
        if foreign and entry is not None and entry.kind == "prohibited":
            errors.append(
                {
                    "path": path,
                    "rule": "negative_list_prohibited",
                    "message_zh": f"外商投资禁止领域：{entry.text}（{negative_list_source()}，{entry.id}）",
                    "message_en": f"prohibited for foreign investment by the negative list, entry {entry.id}",
                    "negative_list_entry": entry.id,
                }
            )
    return errors


@router.get("/api/v1/catalogue/business-scope")
async def search_business_scope(
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """Search the business-scope catalogue; each item says whether it needs a permit."""
    items = search(q, limit)
    return JSONResponse(
        {
            "query": q,
            "items": [
                {
                    "code": i.code,
                    "name": i.name,
                    "industry": i.industry,
                    "permit": {"": "none", "post": "after_licence", "prior": "before_licence"}[
                        i.permit
                    ],
                    "negative_list_entry": i.negative_list,
                }
                for i in items
            ],
        }
    )
