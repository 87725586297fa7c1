"""What the credit service's own endpoints are handed (built by extension.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, cast

from fastapi import Depends, Request
from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.mongo import Document
from service_runtime.ratelimit import RateLimit
from services.credit.enterprises import EnterpriseStore
from services.credit.entries import ListEntryStore
from services.credit.inspections import Inspector
from services.credit.portraits import Portraits
from services.credit.public import PUBLIC_RECORD_FIELDS, public_view


@dataclass(frozen=True)
class CreditParts:
    lists: ListEntryStore
    enterprises: EnterpriseStore
    portraits: Portraits
    draws: AsyncCollection[Document]
    public_limit: RateLimit
    inspectors: tuple[Inspector, ...]
    conflicts: frozenset[tuple[str, str]]  # (staff id, uscc): recorded relationships

    async def public_record(self, uscc: str, today: date) -> dict[str, object] | None:
        record = await self.enterprises.enterprises.find_one({"_id": uscc}, PUBLIC_RECORD_FIELDS)
        if record is None:
            return None
        return public_view(record, await self.lists.naming([uscc]), today)


def _credit_parts(request: Request) -> CreditParts:
    # The department host's extension parts (services/department/app.py).
    return cast("CreditParts", request.app.state.parts.extension)


Credit = Annotated[CreditParts, Depends(_credit_parts)]
