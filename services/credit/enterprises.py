"""The enterprises the credit service knows: their particulars, persons, portraits and history.

A form's particulars are noted when the credit department screens it (keyed by registration,
kept 60 days); when the registration completes they become the enterprise's record, keyed by
the credit code the market issued. Identity numbers stay in this store: they link persons to
enterprises for joint punishment and are never part of a public answer (public.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from contracts.form import RegistrationForm
from service_runtime.mongo import Document, insert_new
from services.credit.facts import ListEntry

APPLICATION_RETENTION = timedelta(days=60)  # a form that never completes is forgotten
HISTORY_KEPT = 20  # portraits kept per enterprise (the newest)
# A person's other enterprises looked at, at most, for each batch of forms: a bound on the
# look-up's cost (a person rarely belongs to more; the limit is in docs/credit.md).
RELATED_LIMIT = 200


@dataclass(frozen=True)
class Particulars:
    """What an enterprise's record holds from its form."""

    name: str
    enterprise_type: str
    area: str
    registered_capital: str
    business_term_years: int | None
    business_scope: tuple[str, ...]
    employee_count: int
    legal_representative_name: str
    person_ids: tuple[str, ...]  # legal representative, natural-person shareholders, officers
    related_usccs: tuple[str, ...]  # legal-person shareholders' credit codes

    @classmethod
    def of(cls, form: RegistrationForm) -> Particulars:
        persons = [
            form.legal_representative.id_number,
            *(s.id_number for s in form.shareholders if s.id_number),
            *(o.id_number for o in form.principal_officers),
        ]
        return cls(
            name=form.enterprise.name,
            enterprise_type=form.enterprise.type.value,
            area=form.enterprise.area.value,
            registered_capital=str(form.enterprise.registered_capital),
            business_term_years=form.enterprise.business_term_years,
            business_scope=tuple(form.enterprise.business_scope),
            employee_count=form.employment.employee_count if form.employment else 0,
            legal_representative_name=form.legal_representative.name,
            person_ids=tuple(dict.fromkeys(persons)),
            related_usccs=tuple(
                dict.fromkeys(s.credit_code for s in form.shareholders if s.credit_code)
            ),
        )


class EnterpriseStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.applications = database["applications"]
        self.enterprises = database["enterprises"]

    async def create_indexes(self) -> None:
        await self.enterprises.create_index("person_ids")
        await self.enterprises.create_index("related_usccs")
        await self.enterprises.create_index("name")
        await self.enterprises.create_index("portrait.credit_class")
        await self.enterprises.create_index("flagged_at")
        await self.enterprises.create_index("outbox_pending")

    async def note_applications(self, forms: Mapping[str, Particulars]) -> None:
        """Insert each form's particulars; replace those already noted (a corrected form, a
        redelivery). Most forms are new, and an insert costs the local database about a fifth
        of an upsert (docs/benchmark.md)."""
        expire_at = datetime.now(UTC) + APPLICATION_RETENTION
        noted = {
            rid: {"particulars": asdict(p), "expire_at": expire_at} for rid, p in forms.items()
        }
        rids = list(noted)
        existed = await insert_new(self.applications, [{"_id": rid, **noted[rid]} for rid in rids])
        if existed:
            await self.applications.bulk_write(
                [UpdateOne({"_id": rids[i]}, {"$set": noted[rids[i]]}) for i in sorted(existed)],
                ordered=False,
            )

    async def register(self, completed: Sequence[Completion]) -> list[str]:
        """Turn completed applications into enterprise records; their credit codes."""
        ids = [c.registration_id for c in completed]
        noted = {
            doc["_id"]: doc["particulars"]
            async for doc in self.applications.find({"_id": {"$in": ids}})
        }
        writes = [
            UpdateOne(
                {"_id": c.uscc},
                {
                    "$set": {
                        **noted[c.registration_id],
                        "registration_id": c.registration_id,
                        "founded_on": c.founded_on.isoformat(),
                        "status": "registered",
                        "decisions": c.decisions,
                    }
                },
                upsert=True,
            )
            for c in completed
            if c.registration_id in noted
        ]
        if writes:
            await self.enterprises.bulk_write(writes, ordered=False)
        return [c.uscc for c in completed if c.registration_id in noted]

    async def load(self, usccs: Iterable[str]) -> list[Document]:
        return await self.enterprises.find({"_id": {"$in": sorted(set(usccs))}}).to_list(None)

    async def classes_of(self, usccs: Iterable[str]) -> dict[str, str]:
        """{credit code: credit class} of those with a portrait."""
        usccs = sorted(set(usccs))
        if not usccs:
            return {}  # a first-time founder: no statement to send
        cursor = self.enterprises.find(
            {"_id": {"$in": usccs}, "portrait": {"$exists": True}},
            {"portrait.credit_class": 1},
        )
        return {doc["_id"]: doc["portrait"]["credit_class"] async for doc in cursor}

    async def touched_by(self, entries: Sequence[ListEntry]) -> set[str]:
        """The enterprises whose portrait an entry can move: its subject, or one it relates to."""
        enterprises = {e.subject_id for e in entries if e.subject_kind == "enterprise"}
        persons = {e.subject_id for e in entries if e.subject_kind == "person"}
        query = {
            "$or": [
                {"_id": {"$in": sorted(enterprises)}},
                {"related_usccs": {"$in": sorted(enterprises)}},
                {"person_ids": {"$in": sorted(persons)}},
            ]
        }
        return {doc["_id"] async for doc in self.enterprises.find(query, {"_id": 1})}

    async def led_by(self, person_ids: Iterable[str]) -> dict[str, list[str]]:
        """{person id: credit codes of the enterprises that person belongs to}."""
        ids = sorted(set(person_ids))
        found: dict[str, list[str]] = {}
        cursor = self.enterprises.find({"person_ids": {"$in": ids}}, {"person_ids": 1}).limit(
            RELATED_LIMIT
        )
        async for doc in cursor:
            for person in set(doc["person_ids"]) & set(ids):
                found.setdefault(person, []).append(doc["_id"])
        return found

    async def save_portraits(self, updates: Sequence[tuple[str, Document]]) -> None:
        if updates:
            ops = [UpdateOne({"_id": uscc}, update) for uscc, update in updates]
            await self.enterprises.bulk_write(ops, ordered=False)

    async def class_distribution(self) -> dict[str, int]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"portrait": {"$exists": True}}},
            {"$group": {"_id": "$portrait.credit_class", "count": {"$sum": 1}}},
        ]
        rows = await (await self.enterprises.aggregate(pipeline)).to_list(None)
        return {row["_id"]: row["count"] for row in rows}

    async def recent_flags(self, limit: int = 20) -> list[Document]:
        cursor = (
            self.enterprises.find(
                {"flagged_at": {"$exists": True}},
                {"name": 1, "portrait.credit_class": 1, "portrait.level": 1, "flagged_at": 1},
            )
            .sort("flagged_at", -1)
            .limit(limit)
        )
        return await cursor.to_list(None)


@dataclass(frozen=True)
class Completion:
    registration_id: str
    uscc: str
    founded_on: date
    decisions: list[dict[str, str]]  # [{"department": …, "status": …}]
