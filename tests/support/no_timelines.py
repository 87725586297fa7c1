"""A notifier timeline store with nothing in it, for HTTP tests that need no database."""

from __future__ import annotations

from collections.abc import Sequence

from services.notifier.timeline import Timeline


class NoTimelines:
    async def find(self, registration_id: str) -> Timeline | None:
        return None

    async def find_many(self, registration_ids: Sequence[str]) -> dict[str, Timeline]:
        return {}
