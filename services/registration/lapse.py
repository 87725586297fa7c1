"""Registrations that never complete lapse, so a name is not held for ever (名称保留期).

Without this, a script could submit forms that an officer never gets to (or that wait on a
correction nobody sends) and keep any name in an area unavailable indefinitely.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import uuid4

import structlog

from contracts.events import RegistrationWithdrawn
from services.registration.store import MongoRegistrationStore

log = structlog.get_logger("lapse")
CHECK_EVERY_SECONDS = 3_600.0  # the period is counted in days; an hour late is nothing


async def lapse_stale_registrations(
    store: MongoRegistrationStore, now: datetime, reservation_days: int
) -> int:
    """Withdraw, as lapsed, every registration still open `reservation_days` after submission."""
    lapsed = 0
    for registration_id in await store.open_since_before(now - timedelta(days=reservation_days)):
        event = RegistrationWithdrawn(
            event_id=uuid4(),
            source="registration",
            occurred_at=now,
            registration_id=registration_id,
            reason=f"not completed within {reservation_days} days",
            lapsed=True,
        )
        if await store.withdraw(event) == "withdrawn_now":  # else it completed meanwhile
            lapsed += 1
            log.info("registration_lapsed", registration_id=registration_id)
    return lapsed


async def lapse_forever(
    store: MongoRegistrationStore, clock: Callable[[], datetime], reservation_days: int
) -> None:
    while True:
        try:
            await lapse_stale_registrations(store, clock(), reservation_days)
        except Exception as error:  # noqa: BLE001 - keep checking; the next round retries
            log.warning("lapse_check_failed", error=repr(error))
        await asyncio.sleep(CHECK_EVERY_SECONDS)
