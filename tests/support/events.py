"""Building events in tests: one helper instead of the same constructor in every file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from contracts.events import (
    DepartmentStatus,
    DepartmentStatusChanged,
    Reason,
    RegistrationSubmitted,
)
from contracts.form import RegistrationForm
from contracts.projections import views_of_submitted
from services.notifier.notifications import Notification


def submitted_event(
    form: dict[str, Any], registration_id: str | None = None, occurred_at: datetime | None = None
) -> RegistrationSubmitted:
    return RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=occurred_at or datetime.now(UTC),
        registration_id=registration_id or uuid4().hex,
        form=RegistrationForm.model_validate(form),
    )


def status_event(
    department: str, status: str, round_: int = 1, registration_id: str | None = None
) -> DepartmentStatusChanged:
    return DepartmentStatusChanged(
        event_id=uuid4(),
        source=department,
        occurred_at=datetime.now(UTC),
        registration_id=registration_id or uuid4().hex,
        department=department,
        status=DepartmentStatus(status),
        round=round_,
        sequence=1,
        decided_by="rules",
        reasons=(
            Reason(rule="r", passed=False, message_zh="原因", message_en="reason", field_path="x"),
        ),
    )


def view_for(recipient: str, event: RegistrationSubmitted) -> tuple[str, bytes]:
    """The topic and bytes the registration service publishes to one recipient for `event`."""
    topic, view = next((t, v) for t, v in views_of_submitted(event) if f".{recipient}." in t)
    return topic, view.model_dump_json().encode()


def policy_notification(created_at: datetime, registration_id: str | None = None) -> Notification:
    """A stored-shape policy notice for one enterprise, not yet sent."""
    return Notification(
        id=uuid4().hex,
        registration_id=registration_id or uuid4().hex,
        kind="policy",
        about="policy:p1",
        title_zh="标题",
        title_en="title",
        body_zh="正文",
        body_en="body",
        created_at=created_at,
    )


def acknowledged() -> asyncio.Future[None]:
    """What a broker stand-in hands an outbox relay for a record it took: already acknowledged."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future
