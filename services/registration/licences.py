"""Issue the electronic licence when market regulation approves (licence_http.py verifies it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo.asynchronous.collection import AsyncCollection

from contracts.events import Artefact, DepartmentStatus, DepartmentStatusChanged
from contracts.form import RegistrationForm
from service_runtime.delivery import Decoded
from service_runtime.hardening import signing_key_from
from service_runtime.mongo import Document, insert_new
from services.registration.licence import (
    ElectronicLicence,
    build_licence,
    licence_json,
    reissued,
    sign,
)
from services.registration.store import MongoRegistrationStore

log = structlog.get_logger("licences")
Handler = Callable[[Sequence[Decoded[Any]]], Awaitable[None]]


def when_market_approves_issue_licence(
    registrations: MongoRegistrationStore,
    licences: AsyncCollection[Document],
    secret: str,
    market_record: MarketRecord,
    after_issue: Callable[[list[Document]], Awaitable[object]],
) -> Handler:
    """Sign a licence for each market approval that market's own case record confirms, then
    hand the licences to `after_issue` (the post-licence permits' push).

    Anyone who can write to `department.status.v1` can claim to be market. So the licence is
    printed from what the market case in this service's database issued, not from the event: an
    approval market never made issues nothing (`market_approval_not_on_record`). Only when market
    is decided by an external system (DISABLED_DEPARTMENTS) is the event itself believed, and the
    bus must then let only that system's principal write market's decisions (docs/production.md).
    """
    key = signing_key_from(secret)

    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        approvals = [
            item.event
            for item in batch
            if isinstance(item.event, DepartmentStatusChanged)
            and item.event.department == "market"
            and item.event.status == DepartmentStatus.APPROVED
        ]
        if not approvals:
            return
        rids = [a.registration_id for a in approvals]
        forms, on_record = await registrations.forms(rids), await market_record(rids)
        issued_now: list[Document] = []
        signed: list[Document] = []
        for approval in approvals:
            form = forms.get(approval.registration_id)
            if form is None:  # not ours (a test or another intake): nothing to print
                continue
            artefacts = approval.artefacts
            if on_record is not None:
                issued = on_record.get(approval.registration_id)
                if issued is None:
                    log.warning(
                        "market_approval_not_on_record",
                        registration_id=approval.registration_id,
                        source=approval.source,
                    )
                    continue
                artefacts = tuple(Artefact.model_validate(a) for a in issued)
            licence = build_licence(form, artefacts, approval.occurred_at)
            document = {
                "registration_id": approval.registration_id,
                "licence": licence_json(licence),
                "signature": sign(licence, key),
                # Nothing is owed before the founding year (annual_reports.py).
                "report_checked_through": licence.founding_date.year - 1,
            }
            signed.append(document)
            # Keyed by the credit code, inserted only if new: a replay issues nothing new.
            issued_now.append({"_id": licence.unified_social_credit_code, **document})
        if issued_now:
            await insert_new(licences, issued_now)
            log.info("licences_issued", count=len(issued_now))
            # After the licences: a crash in between redelivers the approval, and both are
            # idempotent (the licence by its code, each permit's push by its id).
            await after_issue(signed)

    return handle


# What market's own cases say it approved and issued, per registration; None when market is
# decided elsewhere and there is no record here to check.
MarketRecord = Callable[[Sequence[str]], Awaitable[dict[str, list[Any]] | None]]


async def reissue_licence(  # noqa: PLR0913 - the licences, the key, and what the change made
    licences: AsyncCollection[Document],
    versions: AsyncCollection[Document],
    key: Ed25519PrivateKey,
    *,
    uscc: str,
    form: RegistrationForm,
    version: int,
    now: datetime,
) -> Document | None:
    """换发: the licence's next `version` after a change, as stored; the version it replaces is
    kept in `versions` (`<code>:<version>`), marked superseded. Idempotent: a licence already
    at `version` is returned as it is."""
    current = await licences.find_one({"_id": uscc})
    if current is None or current.get("version", 1) >= version:
        return current
    earlier = current.get("version", 1)
    replaced = {
        "_id": f"{uscc}:{earlier}",
        "licence": current["licence"],
        "signature": current["signature"],
        "superseded_by_version": version,
        "superseded_at": now,
    }
    await insert_new(versions, [replaced])
    licence = reissued(ElectronicLicence.model_validate(current["licence"]), form, version, now)
    signed = {"licence": licence_json(licence), "signature": sign(licence, key), "version": version}
    # Only from the version it replaces: two deliveries of the last answer re-issue once.
    await licences.update_one({"_id": uscc, "version": {"$in": [None, earlier]}}, {"$set": signed})
    return {**current, **signed}
