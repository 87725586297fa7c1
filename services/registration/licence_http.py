"""Anyone verifies an electronic business licence here: the current one, or a version a change
replaced (变更换发), each with its signature and the key that verifies it."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from contracts.identifiers import is_valid_uscc
from service_runtime.hardening import signing_key_from
from service_runtime.host import settings_of
from service_runtime.mongo import Document
from service_runtime.problems import Problem
from service_runtime.settings import RegistrationSettings
from services.registration.documents import html_response, render_pdf
from services.registration.licence import ElectronicLicence, licence_document, public_key_b64
from services.registration.parts import Parts

router = APIRouter(tags=["licences"])
PUBLIC_KEY_PATH = "/.well-known/licence-signing-key"


# A licence never changes once signed, so its PDF is rendered once (about 120 ms of CPU) per
# signature, off the event loop, and kept for the next verifier.
_PDF_CACHE: OrderedDict[str, bytes] = OrderedDict()
PDF_CACHE_SIZE = 256


async def licence_pdf(
    signature: str, licence: ElectronicLicence, url: str, status: LicenceStatus
) -> bytes:
    key = f"{signature}:{status}"
    cached = _PDF_CACHE.get(key)
    if cached is None:
        document = licence_document(licence, url, status.cancelled_at, status.superseded)
        cached = await asyncio.to_thread(render_pdf, document)
        _PDF_CACHE[key] = cached
        if len(_PDF_CACHE) > PDF_CACHE_SIZE:
            _PDF_CACHE.popitem(last=False)
    _PDF_CACHE.move_to_end(key)
    return cached


@dataclass(frozen=True)
class LicenceStatus:
    """Whether a signed licence still stands: cancelled (简易注销), or replaced by a later
    version (变更换发); either way its signature still verifies."""

    cancelled_at: datetime | None = None
    superseded: tuple[int, datetime] | None = None  # by which version, when

    def __str__(self) -> str:
        at = self.cancelled_at.isoformat() if self.cancelled_at else ""
        return f"{at}:{self.superseded or ''}"

    def as_json(self) -> dict[str, Any]:
        by, at = self.superseded or (None, None)
        return {
            "status": "cancelled"
            if self.cancelled_at
            else "superseded"
            if self.superseded
            else "valid",
            "cancelled_at": _utc(self.cancelled_at),
            "superseded_by_version": by,
            "superseded_at": _utc(at),
        }


def _utc(moment: datetime | None) -> str | None:
    return moment.replace(tzinfo=UTC).isoformat() if moment else None


async def stored_licence(
    parts: Parts, uscc: str, version: int | None
) -> tuple[Document, LicenceStatus]:
    """The current licence, or an earlier version of it (404 `licence_not_found` if none)."""
    stored = await parts.licences.find_one({"_id": uscc})
    if stored is None:
        raise Problem(404, "licence_not_found")
    current = stored.get("version", 1)
    if version is not None and version > current:
        raise Problem(404, "licence_not_found")
    if version is None or version == current:
        return stored, LicenceStatus(cancelled_at=stored.get("cancelled_at"))
    earlier = await parts.changes.versions.find_one({"_id": f"{uscc}:{version}"})
    if earlier is None:
        raise Problem(404, "licence_not_found")
    superseded = (earlier["superseded_by_version"], earlier["superseded_at"])
    return earlier, LicenceStatus(cancelled_at=stored.get("cancelled_at"), superseded=superseded)


@router.get("/api/v1/licences/{uscc}", response_model=None)
async def get_licence(
    request: Request,
    parts: Parts,
    uscc: Annotated[str, Path(min_length=18, max_length=18)],
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",  # noqa: A002 - the public parameter name
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    """Public verification of an electronic business licence (no personal identity numbers);
    `version` verifies one it replaced after a change (变更换发)."""
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
    stored, status = await stored_licence(parts, uscc.upper(), version)
    licence = ElectronicLicence.model_validate(stored["licence"])
    url = f"{runtime.settings.registration_public_url}/api/v1/licences/{licence.unified_social_credit_code}"
    if licence.version and status.superseded:
        url += f"?version={licence.version}"
    if format == "html":
        return html_response(licence_document(licence, url, status.cancelled_at, status.superseded))
    if format == "pdf":
        pdf = await licence_pdf(stored["signature"], licence, url, status)
        return Response(pdf, media_type="application/pdf")
    key = signing_key_from(runtime.settings.licence_signing_key.get_secret_value())
    return JSONResponse(
        {
            "licence": stored["licence"],
            "version": licence.version or 1,
            # Cancelled (简易注销) or superseded (变更换发): its signature still verifies.
            **status.as_json(),
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
