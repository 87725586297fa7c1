"""Changes (变更登记) at the registration authority, one at a time per enterprise, kept in its
registration's document beside the form it changes.

A change is stored with its events (outbox): one `registration.changed.<department>.v1` (on the
department's amendment topic) for each department whose view of the form it touches, and
`change.status.v1` (submitted). Each of those
departments answers on `change.decided.v1`. With every answer in: a refusal ends the change
(nothing changes), otherwise the licence is re-issued with the next version, the version it
replaces kept in `licence_versions` (still verifiable, marked superseded), and the form becomes
the changed one. Each step is idempotent, so a redelivered answer re-does nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import structlog
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts.changes import (
    ChangeDecided,
    ChangeDecision,
    ChangeState,
    ChangeStatusChanged,
    RegistrationChanged,
)
from contracts.events import Reason
from contracts.form import RegistrationForm
from contracts.projections import views_of_changed
from contracts.topics import CHANGE_STATUS
from contracts.topology import TOPOLOGY
from service_runtime.hardening import signing_key_from
from service_runtime.mongo import Document
from service_runtime.outbox import Stored, outbox_entry, with_outbox_append
from services.department.case import touches
from services.registration.enterprises import Enterprise
from services.registration.licences import reissue_licence
from services.registration.names import name_key
from services.registration.store import MongoRegistrationStore

log = structlog.get_logger("changes")
_STEP = uuid5(NAMESPACE_URL, "https://enterprise-page.example/change-status")
Submitted = Literal["submitted", "pending"]
NAME_TAKEN = Reason(
    rule="name_taken_in_area",
    passed=False,
    message_zh="该名称已被本区域其他企业使用",
    message_en="another enterprise in the area holds this name",
    field_path="enterprise.name",
)


def departments_touched(changed: list[str]) -> tuple[str, ...]:
    """The departments whose own view of the form the change touches: only they re-decide."""
    return tuple(d.name for d in TOPOLOGY.departments if touches(d.projection, tuple(changed)))


class ChangeStore:
    def __init__(
        self,
        registrations: MongoRegistrationStore,
        database: AsyncDatabase[Document],
        licences: AsyncCollection[Document],
        signing_secret: str,
        after_reissue: Callable[[list[Document]], Awaitable[object]],
    ) -> None:
        self._registrations = registrations.collection
        self._relay = registrations.relay
        self._licences = licences
        # Each version a change replaced, keyed `<credit code>:<version>`.
        self.versions = database["licence_versions"]
        self._key = signing_key_from(signing_secret)
        # The post-licence permits a changed scope newly needs (each pushed once).
        self._after_reissue = after_reissue

    async def record_of(self, registration_id: str) -> Document | None:
        """The form as it stands, the licence version, and the change under way, if any."""
        return await self._registrations.find_one(
            {"_id": registration_id}, {"form": 1, "licence_version": 1, "change": 1}
        )

    async def submit(
        self,
        enterprise: Enterprise,
        form: RegistrationForm,
        changed: list[str],
        current_version: int,
        now: datetime,
    ) -> tuple[Submitted, Document]:
        departments = departments_touched(changed)
        event = RegistrationChanged(
            event_id=uuid4(),
            source="registration",
            occurred_at=now,
            registration_id=enterprise.registration_id,
            change_id=uuid4(),
            unified_social_credit_code=enterprise.unified_social_credit_code,
            licence_version=current_version + 1,
            changed_paths=tuple(changed),
            form=form,
        )
        change: Document = {
            "id": str(event.change_id),
            "unified_social_credit_code": enterprise.unified_social_credit_code,
            "state": ChangeState.SUBMITTED.value,
            "licence_version": event.licence_version,
            "changed_paths": changed,
            "departments": list(departments),
            "decisions": {},
            "refusals": {},
            "form": form.model_dump(mode="json"),
            "submitted_at": now,
        }
        entries = [outbox_entry(t, v) for t, v in views_of_changed(event, departments)]
        entries.append(
            outbox_entry(CHANGE_STATUS, self._status(enterprise.registration_id, change, now))
        )
        moved = await self._registrations.update_one(
            # One change at a time: none under way (a missing field matches $ne).
            {
                "_id": enterprise.registration_id,
                "change.state": {"$ne": ChangeState.SUBMITTED.value},
            },
            with_outbox_append({"$set": {"change": change}}, entries),
        )
        if not moved.modified_count:
            return "pending", change
        await self._relay.publish_stored([Stored(enterprise.registration_id, entries)])
        log.info("change_submitted", departments=len(departments), paths=len(changed))
        return "submitted", change

    async def record_decisions(self, decided: list[ChangeDecided], now: datetime) -> None:
        for answer in decided:
            field = f"change.decisions.{answer.department}"
            refused = [r.model_dump() for r in answer.reasons if not r.passed]
            doc = await self._registrations.find_one_and_update(
                {"_id": answer.registration_id, "change.id": str(answer.change_id)},
                {
                    "$set": {
                        field: answer.decision.value,
                        f"change.refusals.{answer.department}": refused,
                    }
                },
                projection={"outbox": 0},
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:  # not a change of ours
                continue
            change = doc["change"]
            if change["state"] == ChangeState.SUBMITTED.value and set(change["departments"]) <= set(
                change["decisions"]
            ):
                await self._conclude(doc, now)

    async def _conclude(self, doc: Document, now: datetime) -> None:
        change = doc["change"]
        form = RegistrationForm.model_validate(change["form"])
        key = name_key(form.enterprise.area, form.enterprise.name)
        refused = any(v == ChangeDecision.REJECTED.value for v in change["decisions"].values())
        held = await self._registrations.find_one(
            {"name_key": key, "_id": {"$ne": doc["_id"]}}, {"_id": 1}
        )
        fields: dict[str, Any] = {}
        if held is not None:
            change["refusals"] = {**change["refusals"], "registration": [NAME_TAKEN.model_dump()]}
            fields["change.refusals"] = change["refusals"]
        if refused or held is not None:
            state = ChangeState.REJECTED
        else:
            reissued_licence = await reissue_licence(
                self._licences,
                self.versions,
                self._key,
                uscc=change["unified_social_credit_code"],
                form=form,
                version=change["licence_version"],
                now=now,
            )
            if reissued_licence is not None:
                await self._after_reissue([reissued_licence])
            state = ChangeState.APPROVED
            fields |= {
                "form": change["form"],
                "form_sha256": hashlib.sha256(form.model_dump_json().encode()).hexdigest(),
                "name_key": key,
                "licence_version": change["licence_version"],
            }
        change["state"] = fields["change.state"] = state.value
        fields["change.decided_at"] = now
        entry = outbox_entry(CHANGE_STATUS, self._status(doc["_id"], change, now))
        try:
            moved = await self._registrations.update_one(
                {
                    "_id": doc["_id"],
                    "change.id": change["id"],
                    "change.state": ChangeState.SUBMITTED.value,
                },
                with_outbox_append({"$set": fields}, [entry]),
            )
        except DuplicateKeyError:  # the name taken in the moment between: the next answer retries
            log.warning("change_name_taken_meanwhile")
            return
        if moved.modified_count:
            await self._relay.publish_stored([Stored(doc["_id"], [entry])])
            log.info("change_concluded", state=state.value)

    def _status(self, registration_id: str, change: Document, now: datetime) -> ChangeStatusChanged:
        refusals = [Reason.model_validate(r) for rs in change["refusals"].values() for r in rs]
        return ChangeStatusChanged(
            event_id=uuid5(_STEP, f"{change['id']}:{change['state']}"),
            source="registration",
            occurred_at=now,
            registration_id=registration_id,
            change_id=UUID(change["id"]),
            unified_social_credit_code=change["unified_social_credit_code"],
            state=ChangeState(change["state"]),
            licence_version=change["licence_version"],
            changed_paths=tuple(change["changed_paths"]),
            departments=tuple(change["departments"]),
            reasons=tuple(refusals) if change["state"] == ChangeState.REJECTED.value else (),
        )
