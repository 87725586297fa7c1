"""Every decision about a registration lands in the hash-chained audit log, and tampering shows."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from contracts.topology import TOPOLOGY
from tests.conftest import ROOT, LiveStack, submit, wait_for_overall

pytestmark = pytest.mark.e2e
RECORDS_ARRIVE_SECONDS = 30


def run_verify(stack: LiveStack) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGODB_URI": stack.mongodb_uri,
        "MONGODB_DATABASE_PREFIX": stack.database_prefix,
    }
    return subprocess.run(
        [sys.executable, "-m", "tools.audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def records_of(collection: AsyncCollection[dict[str, Any]], rid: str) -> list[dict[str, Any]]:
    for _ in range(RECORDS_ARRIVE_SECONDS * 2):
        found = (
            await collection.find({"body.registration_id": rid}).sort("reg_seq", 1).to_list(None)
        )
        if any(r["body"]["kind"] == "registration.completed" for r in found):
            return found
        await asyncio.sleep(0.5)
    pytest.fail(f"no completion in the audit log after {RECORDS_ARRIVE_SECONDS}s: {found}")


async def test_a_registrations_decisions_are_chained_and_an_edit_is_reported(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=90)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        live_stack.mongodb_uri, tz_aware=True
    )
    try:
        collection = mongo[f"{live_stack.database_prefix}notifier"]["audit_records"]
        records = await records_of(collection, rid)
        kinds = [r["body"]["kind"] for r in records]
        # In the order the log saw them: topics are read in parallel, so the submission may be
        # logged after a decision; each record keeps its event's own time.
        assert kinds.count("registration.submitted") == 1
        decisions = {
            r["body"]["department"]: r["body"]
            for r in records
            if r["body"]["kind"] == "department.decision"
        }
        assert set(decisions) == {d.name for d in TOPOLOGY.departments}
        # 秒批: decided by rules, with each rule's outcome on record.
        assert all(d["decided_by"] == "rules" for d in decisions.values())
        assert all(r["passed"] for r in decisions["market"]["rules"])
        assert decisions["market"]["rules"]
        assert [r["reg_seq"] for r in records] == list(range(1, len(records) + 1))
        dumped = json.dumps(records, default=str, ensure_ascii=False)
        person = sample_form["legal_representative"]
        for value in (person["id_number"], person["mobile"], person["email"]):
            assert value not in dumped

        intact = run_verify(live_stack)
        assert intact.returncode == 0, intact.stdout + intact.stderr
        assert "intact" in intact.stdout

        edited = next(r for r in records if r["body"]["kind"] == "department.decision")
        await collection.update_one({"_id": edited["_id"]}, {"$set": {"body.status": "rejected"}})
        try:
            tampered = run_verify(live_stack)
        finally:
            await collection.update_one(
                {"_id": edited["_id"]}, {"$set": {"body.status": edited["body"]["status"]}}
            )
        assert tampered.returncode == 1, tampered.stdout + tampered.stderr
        assert f"record {edited['seq']}: its content does not match its hash" in tampered.stdout
        assert run_verify(live_stack).returncode == 0
    finally:
        await mongo.close()
