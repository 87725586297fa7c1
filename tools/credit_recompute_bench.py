"""How fast the credit service recomputes stored portraits, database included.

    python -m tools.credit_recompute_bench --count 20000      (with `make run` running)

Stores `count` synthetic enterprises (services/credit/synthetic.py) and their list entries in a
throwaway database of the local MongoDB-protocol server, then times `Portraits.recompute`, the
code the `credit.portraits` consumer runs, over all of them in batches (reads, computation and
the portrait writes with their outbox entries). Nothing is published: there is no broker here,
so the relay's sends are only counted. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any
from uuid import uuid4

from pymongo import AsyncMongoClient

from service_runtime.outbox import OutboxRelay
from services.credit.enterprises import EnterpriseStore
from services.credit.entries import ListEntryStore
from services.credit.facts import EnterpriseFacts
from services.credit.portraits import Portraits
from services.credit.synthetic import SYNTHETIC_AS_OF, synthetic_enterprises

LOCAL = "mongodb://127.0.0.1:27017/?retryWrites=false&serverMonitoringMode=poll"


def record_of(facts: EnterpriseFacts) -> dict[str, Any]:
    """The stored record a registration would have left (enterprises.py's shape)."""
    return {
        "_id": facts.uscc,
        "registration_id": uuid4().hex,
        "name": facts.name,
        "enterprise_type": facts.enterprise_type,
        "area": facts.area,
        "founded_on": facts.founded_on.isoformat() if facts.founded_on else None,
        "registered_capital": str(facts.registered_capital_yuan),
        "business_term_years": facts.business_term_years,
        "business_scope": [f"item {i}" for i in range(facts.scope_items)],
        "employee_count": facts.employee_count,
        "status": facts.status,
        "person_ids": sorted({e.subject_id for e in facts.person_entries}),
        "related_usccs": sorted({e.subject_id for e in facts.related_entries}),
        "decisions": [{"department": d.department, "status": d.status} for d in facts.decisions],
    }


async def measure(uri: str, count: int, batch: int) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    name = f"bench_credit_{uuid4().hex[:8]}"
    database = client[name]
    sent = 0

    async def count_send(*_: object) -> asyncio.Future[None]:
        nonlocal sent
        sent += 1
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    try:
        enterprises = EnterpriseStore(database)
        await enterprises.create_indexes()
        lists = ListEntryStore(database, OutboxRelay(database["list_entries"], count_send))
        await lists.create_indexes()
        facts = list(synthetic_enterprises(count, 1))
        started = time.perf_counter()
        for i in range(0, count, 500):
            chunk = facts[i : i + 500]
            await enterprises.enterprises.insert_many([record_of(f) for f in chunk])
            entries = [
                e for f in chunk for e in (*f.entries, *f.person_entries, *f.related_entries)
            ]
            if entries:
                await lists.record(entries)
        stored = time.perf_counter() - started
        relay = OutboxRelay(enterprises.enterprises, count_send)
        portraits = Portraits(enterprises, lists, relay, lambda: SYNTHETIC_AS_OF)
        usccs = [f.uscc for f in facts]
        started = time.perf_counter()
        changed = 0
        for i in range(0, count, batch):
            changed += await portraits.recompute(usccs[i : i + batch], "bench")
        elapsed = time.perf_counter() - started
        print(f"stored {count} enterprises and their entries in {stored:.1f} s")
        print(
            f"recompute: {count / elapsed:,.0f} portraits/s ({elapsed:.1f} s, batches of "
            f"{batch}; {changed} stored, {sent} events counted)"
        )
    finally:
        await client.drop_database(name)
        await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200, help="enterprises per recompute")
    parser.add_argument("--mongodb-uri", default=LOCAL)
    args = parser.parse_args(argv)
    asyncio.run(measure(args.mongodb_uri, args.count, args.batch))


if __name__ == "__main__":
    main()
