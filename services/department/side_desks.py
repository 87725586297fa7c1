"""What a department's desk carries beside its cases, on the same consumer group: the
enterprises' helpdesk questions to it, the changes (变更登记) that touch its view of the form,
and, for a competent department, post-licence permits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.database import AsyncDatabase

from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.mongo import Document
from service_runtime.settings import DepartmentSettings
from services.department.changes import ChangeDesk
from services.department.helpdesk import HelpdeskQueue
from services.department.outboxed import open_outboxed
from services.department.permits import PermitDesk

if TYPE_CHECKING:  # the desk's module imports this one
    from services.department.handlers import DepartmentDesk

Handle = Callable[[Sequence[Decoded[Any]]], Awaitable[None]]


async def with_side_desks(
    runtime: Runtime[DepartmentSettings], database: AsyncDatabase[Document], desk: DepartmentDesk
) -> DepartmentDesk:
    name = desk.spec.name
    desk = replace(
        desk,
        helpdesk=await open_outboxed(runtime, database, HelpdeskQueue, name),
        changes=await open_outboxed(runtime, database, ChangeDesk, name),
    )
    row = desk.lifecycle.topology.by_name.get(name)
    if row is not None and row.decides_permits:
        desk = replace(desk, permits=await open_outboxed(runtime, database, PermitDesk, name))
    return desk


def one_after_another(handlers: Sequence[Handle]) -> Handle:
    """One consumer group per department: each part takes the events it knows from the batch."""

    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        for part in handlers:
            await part(batch)

    return handle
