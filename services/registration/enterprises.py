"""The enterprise a completed registration made, read from its licence: what the services after
the licence (annual reports, deregistration) act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from contracts.events import USCC_ARTEFACT
from service_runtime.problems import Problem

if TYPE_CHECKING:  # the parts hold the stores, which use Enterprise
    from services.registration.parts import RegistrationParts


@dataclass(frozen=True)
class Enterprise:
    registration_id: str
    name: str
    unified_social_credit_code: str
    founded_on: date


def conflict(code: str, zh: str, en: str) -> Problem:
    """A 409 whose reason says, in both languages, why the enterprise cannot do this now."""
    return Problem(409, code, [{"rule": code, "message_zh": zh, "message_en": en}])


async def enterprise_of(parts: RegistrationParts, registration_id: str) -> Enterprise:
    """From its licence: 409 `registration_not_completed` without one, `licence_cancelled`."""
    licence = None
    market = parts.desks.get("market")
    if market is not None:
        issued = (await market.store.approvals_on_record([registration_id])).get(registration_id)
        uscc = next((a["number"] for a in issued or [] if a["kind"] == USCC_ARTEFACT), None)
        licence = await parts.licences.find_one({"_id": uscc}) if uscc else None
    else:  # market decided elsewhere: no case here to name the licence (a rare, unindexed read)
        licence = await parts.licences.find_one({"registration_id": registration_id})
    if licence is None:
        raise conflict(
            "registration_not_completed",
            "营业执照尚未核发",
            "no business licence has been issued yet",
        )
    if licence.get("cancelled_at") is not None:
        raise conflict("licence_cancelled", "营业执照已注销", "the business licence is cancelled")
    body = licence["licence"]
    return Enterprise(
        registration_id, body["name"], licence["_id"], date.fromisoformat(body["founding_date"])
    )
