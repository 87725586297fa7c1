"""MongoCaseStore's contract in memory: versioned cases, events published after they are stored,
and officers' claims. Shared by the service tests that run departments without a database."""

import copy
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import asdict

from service_runtime.aggregates import Versioned
from service_runtime.outbox import Stored
from services.department.case import REVIEWABLE, Case
from services.department.store import CaseEvent, LoadedCase, outbox_entries


class InMemoryCaseStore:
    def __init__(
        self,
        department: str,
        publish: Callable[[str, str, bytes, dict[str, str]], Awaitable[None]] | None = None,
        cases: Iterable[Case] = (),
    ) -> None:
        self.cases = {case.registration_id: case for case in cases}
        self.published: list[Stored] = []
        self._department = department
        self._publish = publish  # the broker's publish, or None to only record

    async def load(
        self, registration_ids: Sequence[str], presumed_new: Collection[str] = ()
    ) -> dict[str, LoadedCase]:
        return {
            rid: LoadedCase(
                copy.deepcopy(self.cases.get(rid)) or Case(rid, self._department),
                Versioned(rid, asdict(self.cases[rid]) if rid in self.cases else None),
            )
            for rid in registration_ids
        }

    async def save(self, changes: Sequence[tuple[LoadedCase, Sequence[CaseEvent]]]) -> list[Stored]:
        for loaded, _ in changes:
            self.cases[loaded.case.registration_id] = loaded.case
        # The same outbox entries MongoCaseStore stores beside each case (topic, key, payload).
        return [
            Stored(loaded.case.registration_id, [e for ev in events for e in outbox_entries(ev)])
            for loaded, events in changes
        ]

    async def publish(self, stored: Sequence[Stored]) -> None:
        self.published += stored
        if self._publish is None:
            return
        for item in stored:
            for entry in item.entries:
                await self._publish(entry["topic"], entry["key"], entry["payload"].encode(), {})

    async def claim(self, registration_id: str, officer: str, *, escalated: bool) -> Case | None:
        case = self.cases.get(registration_id)
        if (
            case is None
            or case.status not in REVIEWABLE
            or case.claimed_by not in (None, officer)
            or (case.escalated and not escalated)
        ):
            return None
        case.claimed_by = officer
        return copy.deepcopy(case)

    async def queue(self, *, escalated: bool) -> list[Case]:
        return [
            c for c in self.cases.values() if c.status in REVIEWABLE and c.escalated == escalated
        ]
