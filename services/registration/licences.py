"""Issue the electronic licence when market regulation approves, and let anyone verify it."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from contracts.events import Artefact, DepartmentStatus, DepartmentStatusChanged
from contracts.identifiers import is_valid_uscc
from service_runtime.delivery import Decoded
from service_runtime.hardening import signing_key_from
from service_runtime.host import settings_of
from service_runtime.mongo import Document
from service_runtime.problems import Problem
from service_runtime.settings import RegistrationSettings
from services.registration.documents import html_response, render_pdf
from services.registration.licence import (
    ElectronicLicence,
    build_licence,
    licence_document,
    public_key_b64,
    sign,
)
from services.registration.parts import Parts
from services.registration.store import MongoRegistrationStore

log = structlog.get_logger("licences")
router = APIRouter(tags=["licences"])
PUBLIC_KEY_PATH = "/.well-known/licence-signing-key"
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
        ops: list[UpdateOne] = []
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
                "licence": licence.model_dump(mode="json"),
                "signature": sign(licence, key),
                # Nothing is owed before the founding year (annual_reports.py).
                "report_checked_through": licence.founding_date.year - 1,
            }
            signed.append(document)
            # Keyed by the credit code with $setOnInsert: a replay issues nothing new.
            ops.append(
                UpdateOne(
                    {"_id": licence.unified_social_credit_code},
                    {"$setOnInsert": document},
                    upsert=True,
                )
            )
        if ops:
            await licences.bulk_write(ops, ordered=False)
            log.info("licences_issued", count=len(ops))
            # After the licences: a crash in between redelivers the approval, and both are
            # idempotent (the licence by its code, each permit's push by its id).
            await after_issue(signed)

    return handle


# What market's own cases say it approved and issued, per registration; None when market is
# decided elsewhere and there is no record here to check.
MarketRecord = Callable[[Sequence[str]], Awaitable[dict[str, list[Any]] | None]]


# A licence never changes once signed, so its PDF is rendered once (about 120 ms of CPU) per
# signature, off the event loop, and kept for the next verifier.
_PDF_CACHE: OrderedDict[str, bytes] = OrderedDict()
PDF_CACHE_SIZE = 256


async def licence_pdf(
    signature: str, licence: ElectronicLicence, url: str, cancelled_at: datetime | None
) -> bytes:
    key = f"{signature}:{cancelled_at.isoformat() if cancelled_at else ''}"
    cached = _PDF_CACHE.get(key)
    if cached is None:
        document = licence_document(licence, url, cancelled_at)
        cached = await asyncio.to_thread(render_pdf, document)
        _PDF_CACHE[key] = cached
        if len(_PDF_CACHE) > PDF_CACHE_SIZE:
            _PDF_CACHE.popitem(last=False)
    _PDF_CACHE.move_to_end(key)
    return cached


@router.get("/api/v1/licences/{uscc}", response_model=None)
async def get_licence(
    request: Request,
    parts: Parts,
    uscc: Annotated[str, Path(min_length=18, max_length=18)],
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",  # noqa: A002 - the public parameter name
) -> Response:
    """Public verification of an electronic business licence (no personal identity numbers)."""
    if not is_valid_uscc(uscc.upper()):
        raise Problem(
            422,
            "invalid_credit_code",
            [
                {
                    "path": "uscc",
                    "rule": "gb32100_check_character",
                    "message_zh": "统一社会信用代码校验码不正确",
                    "message_en": "invalid GB 32100 check character",
                }
            ],
        )
    runtime = parts.runtime
    parts.public_limit(request)
    stored = await parts.licences.find_one({"_id": uscc.upper()})
    if stored is None:
        raise Problem(404, "licence_not_found")
    licence = ElectronicLicence.model_validate(stored["licence"])
    url = f"{runtime.settings.registration_public_url}/api/v1/licences/{licence.unified_social_credit_code}"
    cancelled_at = stored.get("cancelled_at")
    if format == "html":
        return html_response(licence_document(licence, url, cancelled_at))
    if format == "pdf":
        pdf = await licence_pdf(stored["signature"], licence, url, cancelled_at)
        return Response(pdf, media_type="application/pdf")
    key = signing_key_from(runtime.settings.licence_signing_key.get_secret_value())
    return JSONResponse(
        {
            "licence": stored["licence"],
            # Simplified deregistration cancels a licence: its signature still verifies.
            "status": "cancelled" if cancelled_at else "valid",
            "cancelled_at": cancelled_at.replace(tzinfo=UTC).isoformat() if cancelled_at else None,
            "signature": stored["signature"],
            "algorithm": "Ed25519",
            "public_key": public_key_b64(key),
            # A key that arrives beside the licence proves nothing on its own: verifiers pin it
            # from this URL, so a forged licence carrying its forger's key fails verification.
            "public_key_url": f"{runtime.settings.registration_public_url}{PUBLIC_KEY_PATH}",
            "signed_bytes": "canonical JSON of `licence`: keys sorted, no spaces, UTF-8",
            "verification_url": url,
        }
    )


@router.get(PUBLIC_KEY_PATH)
async def licence_signing_key(request: Request) -> JSONResponse:
    """The Ed25519 public key that verifies every electronic business licence issued here."""
    settings = settings_of(request, RegistrationSettings)
    key = signing_key_from(settings.licence_signing_key.get_secret_value())
    return JSONResponse(
        {
            "algorithm": "Ed25519",
            "public_key": public_key_b64(key),
            "encoding": "base64 of the raw 32-byte public key",
            "signed_bytes": "canonical JSON of `licence`: keys sorted, no spaces, UTF-8",
        },
        headers={"Cache-Control": "public, max-age=3600"},
    )
