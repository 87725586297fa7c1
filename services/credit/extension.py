"""Everything the credit service runs besides its desk: lists, portraits, query, inspections.

- `list_entries`: the source lists (entries.py), fed by tools.credit_ingest through the API;
  in local development the shipped samples (reference_data/credit_lists) are ingested at start.
- `applications` and `enterprises`: the forms' particulars and, once registered, the records
  with their portraits (enterprises.py, portraits.py), recomputed by the `credit.portraits`
  consumer group off the critical path.
- The desk's screen: joint punishment at registration (screening.py).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import structlog

from contracts.registry import decoder_for_subscription
from contracts.topology import CREDIT_PORTRAITS, TOPOLOGY
from service_runtime.china_time import CHINA
from service_runtime.host import Runtime
from service_runtime.ratelimit import RateLimit
from service_runtime.settings import CreditSettings, DepartmentSettings
from services.credit.draws import roster
from services.credit.enterprises import EnterpriseStore
from services.credit.entries import ListEntryStore
from services.credit.facts import CreditList, ListEntry
from services.credit.http import router
from services.credit.lists import read_list_file
from services.credit.parts import CreditParts
from services.credit.portraits import Portraits, when_fact_arrives_recompute
from services.credit.screening import joint_punishment_screen
from services.department.extension import Extended, Extension

log = structlog.get_logger("credit")
SAMPLES = Path(__file__).resolve().parents[2] / "reference_data" / "credit_lists"


def today_in_china() -> date:
    return datetime.now(CHINA).date()


async def ingest_samples(lists: ListEntryStore, folder: Path = SAMPLES) -> int:
    """The shipped sample lists, for local development: idempotent, like any ingestion."""
    recorded = 0
    for credit_list in CreditList:
        path = folder / f"{credit_list.value}.csv"
        if path.exists():
            rows = [r for r in read_list_file(path, credit_list) if isinstance(r, ListEntry)]
            recorded += (await lists.record(rows)).recorded if rows else 0
    log.info("sample_lists_ingested", recorded=recorded)
    return recorded


async def start_credit(runtime: Runtime[DepartmentSettings]) -> Extended:
    settings = runtime.settings
    database = runtime.database("credit")
    lists = ListEntryStore(database, runtime.outbox_relay(database, ListEntryStore.collection_name))
    await lists.create_indexes()
    enterprises = EnterpriseStore(database)
    await enterprises.create_indexes()
    await runtime.expire(enterprises.applications)
    relay = runtime.outbox_relay(database, enterprises.enterprises.name)
    portraits = Portraits(enterprises, lists, relay, today_in_china)
    subscription = TOPOLOGY.subscription_for(CREDIT_PORTRAITS)
    runtime.subscribe_batches(
        subscription,
        decode=decoder_for_subscription(CREDIT_PORTRAITS),
        handle=when_fact_arrives_recompute(portraits),
        name="when_fact_arrives_recompute_portraits",
        background=True,
    )
    if settings.is_local:

        async def seed() -> None:
            await ingest_samples(lists)

        runtime.background.append(seed)
    per_minute = (
        settings.public_rate_limit_per_minute if isinstance(settings, CreditSettings) else 120
    )
    inspectors, conflicts = roster()
    parts = CreditParts(
        lists=lists,
        enterprises=enterprises,
        portraits=portraits,
        draws=database["draws"],
        public_limit=RateLimit(per_minute, name="credit_query"),
        inspectors=inspectors,
        conflicts=conflicts,
    )
    return Extended(parts, joint_punishment_screen(lists, enterprises, today_in_china))


CREDIT_EXTENSION = Extension(routers=(router,), start=start_credit)
