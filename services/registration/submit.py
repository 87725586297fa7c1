"""Use case: accept one form, once per idempotency key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from contracts.events import RegistrationSubmitted
from contracts.form import RegistrationForm
from service_runtime.metrics import REGISTRATIONS_SUBMITTED
from service_runtime.problems import Problem
from services.registration.names import name_errors
from services.registration.store import NameTakenError, RegistrationStore


@dataclass(frozen=True)
class Accepted:
    registration_id: str
    submitted: RegistrationSubmitted | None  # None when an earlier submission was returned


def scoped_key(client: str, idempotency_key: str) -> str:
    """An Idempotency-Key counts within its client's own namespace only.

    Keys are chosen by clients, so two clients can pick the same one; a replay returns the
    original access token, which must never reach a client that did not submit the form. The
    client is its address as the service sees it (through TRUSTED_PROXIES).
    """
    digest = hashlib.sha256(f"{client}\n{idempotency_key}".encode()).hexdigest()
    return f"client:{digest}"


async def submit_registration(
    form: RegistrationForm,
    idempotency_key: str | None,
    store: RegistrationStore,
    clock: Callable[[], datetime],
    *,
    client: str,
) -> Accepted:
    registration_id = uuid4().hex
    form_sha256 = hashlib.sha256(form.model_dump_json().encode()).hexdigest()
    event = RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=clock(),
        registration_id=registration_id,
        form=form,
    )
    key = scoped_key(client, idempotency_key) if idempotency_key else f"server:{registration_id}"
    try:
        earlier = await store.add(event, key, form_sha256)
    except NameTakenError:
        raise Problem(422, "form_invalid", name_errors(["name_taken_in_area"])) from None
    if earlier is None:
        REGISTRATIONS_SUBMITTED.inc()
        return Accepted(registration_id, event)
    if await store.form_hash_for(earlier) != form_sha256:
        raise Problem(
            422,
            "idempotency_key_reused",
            [
                {
                    "path": "Idempotency-Key",
                    "rule": "idempotency_key_reused",
                    "message_zh": "该幂等键已用于另一份不同的表单",
                    "message_en": "this Idempotency-Key was already used with a different form",
                }
            ],
        )
    return Accepted(earlier, None)
