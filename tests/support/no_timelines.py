"""A notifier timeline store with nothing in it, for HTTP tests that need no database."""

from __future__ import annotations


class NoTimelines:
    async def find(self, registration_id):
        return None

    async def find_many(self, registration_ids):
        return {}
