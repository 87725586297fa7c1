"""The enterprise page's live stream: the whole hall first, then whatever changed, once."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request

from services.notifier.live import notice_marks
from services.notifier.page_views import hall, notifications_shown, registration_view
from services.notifier.parts import NotifierParts

STREAM_MAX_SECONDS = 3600.0
KEEPALIVE_SECONDS = 15.0


def _event(name: str, data: Any) -> str:  # noqa: ANN401 - JSON
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _digest(data: Any) -> str:  # noqa: ANN401 - JSON
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


async def hall_events(
    request: Request, parts: NotifierParts, rids: list[str]
) -> AsyncIterator[str]:
    listeners = parts.listeners
    sent: dict[str, str] = {}  # what the browser already has: nothing is sent twice
    started = time.monotonic()
    yield "retry: 2000\n\n"
    with listeners.subscribe(rids, notices=True) as changes:
        timelines = await parts.timelines.find_many(rids)
        changes.saw(timelines.values())
        whole = await hall(parts, rids, timelines)
        changes.saw_notices(notice_marks(whole["notifications"]))
        yield _event("hall", whole)
        for view in whole["registrations"]:
            sent[view["registration_id"]] = _digest(view)
        sent["notifications"] = _digest(whole["notifications"])
        while (
            time.monotonic() - started < STREAM_MAX_SECONDS and not await request.is_disconnected()
        ):
            # A lost wake is caught by the shared slow poll (stream_watch.py), not by this stream.
            changed = await changes.next(timeout=KEEPALIVE_SECONDS)
            if not changed:
                yield ": keepalive\n\n"
                continue
            unread = [r for r in changed.timelines if r not in changed.fresh]
            fetched = await parts.timelines.find_many(unread) if unread else {}
            changes.saw(fetched.values())
            for rid in sorted(changed.timelines):
                timeline = changed.fresh.get(rid) or fetched.get(rid)
                view = registration_view(parts, rid, timeline)
                if sent.get(rid) != (digest := _digest(view)):
                    sent[rid] = digest
                    yield _event("registration", view)
            if changed.notifications:
                notices = await notifications_shown(parts, rids)
                changes.saw_notices(notice_marks(notices))
                if sent.get("notifications") != (digest := _digest(notices)):
                    sent["notifications"] = digest
                    yield _event("notifications", notices)
