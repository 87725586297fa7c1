"""Credit notes each screened form's particulars: new ones inserted, a corrected one replaced."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from contracts.form import RegistrationForm
from service_runtime.mongo import Document
from services.credit.enterprises import EnterpriseStore, Particulars
from tests.conftest import LiveStack

pytestmark = pytest.mark.integration


async def test_a_form_noted_again_replaces_what_was_noted_and_new_ones_are_added(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    name = f"{live_stack.database_prefix}scratch_applications_{uuid4().hex[:6]}"
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    store = EnterpriseStore(client[name])
    first = Particulars.of(RegistrationForm.model_validate(sample_form))
    corrected = dataclasses.replace(first, name="更正后名称有限公司", employee_count=42)
    try:
        await store.note_applications({"r1": first, "r2": first})
        await store.note_applications({"r3": first, "r1": corrected, "r4": corrected})

        noted = {d["_id"]: d["particulars"] async for d in store.applications.find({})}
        assert sorted(noted) == ["r1", "r2", "r3", "r4"]
        assert noted["r1"]["name"] == "更正后名称有限公司"
        assert noted["r1"]["employee_count"] == 42
        assert noted["r2"]["name"] == first.name
        assert noted["r4"]["employee_count"] == 42
        assert await store.applications.count_documents({"expire_at": {"$exists": True}}) == 4
    finally:
        await client.drop_database(name)
        await client.close()
