"""A department's clocks: escalate cases past their statutory limit, announce lasting waits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import structlog

from contracts.events import DepartmentStatusChanged
from service_runtime.aggregates import ConcurrentUpdateError
from service_runtime.metrics import DEADLINE_BREACHES
from services.department.case import Case

if TYPE_CHECKING:
    from services.department.handlers import DepartmentDesk

log = structlog.get_logger("department")


async def check_deadlines(desk: DepartmentDesk) -> int:
    """Escalate every case past its statutory limit (and approve it, if so configured)."""
    now = desk.clock()
    changed = await _advance(
        desk,
        await desk.store.overdue(now),
        lambda case: desk.lifecycle.on_clock(case, now, deemed_approval=desk.deemed_approval),
    )
    for registration_id in changed:
        DEADLINE_BREACHES.labels(desk.spec.name).inc()
        log.warning("deadline_breached", department=desk.spec.name, registration_id=registration_id)
    return len(changed)


async def announce_lasting_waits(desk: DepartmentDesk) -> int:
    """Tell the enterprise which instant approvals still wait for a prerequisite."""
    now = desk.clock()
    waiting = await desk.store.waits_to_announce(now)
    return len(await _advance(desk, waiting, lambda case: desk.lifecycle.on_wait_lasted(case, now)))


async def _advance(
    desk: DepartmentDesk,
    registration_ids: Sequence[str],
    transition: Callable[[Case], list[DepartmentStatusChanged]],
) -> list[str]:
    """Apply a clock transition to these cases; store and publish what it emitted."""
    if not registration_ids:
        return []
    loaded = await desk.store.load(registration_ids)
    changes = [
        (current, emitted) for current in loaded.values() if (emitted := transition(current.case))
    ]
    await desk.store.publish(await desk.store.save(changes))
    return [current.case.registration_id for current, _ in changes]


async def run_clock_forever(
    desk: DepartmentDesk, job: Callable[[DepartmentDesk], Awaitable[int]], interval: float
) -> None:
    while True:
        try:
            await job(desk)
        except ConcurrentUpdateError:
            pass  # an officer or a consumer acted at the same moment; the next round sees it
        except Exception as error:  # noqa: BLE001 - keep checking; the next round retries
            log.warning("clock_job_failed", job=job.__name__, error=repr(error))
        await asyncio.sleep(interval)
