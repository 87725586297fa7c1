"""Who saw the enterprise's data (数据查阅记录): one officer's read, as the timeline keeps it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.events import PersonalDataRead


def data_read_record(event: PersonalDataRead, at: datetime) -> dict[str, Any]:
    return {
        "event_id": str(event.event_id),
        "department": event.department,
        "officer_id": event.officer_id,
        "purpose": event.purpose,
        "sections": list(event.sections),
        "occurred_at": at,
    }
