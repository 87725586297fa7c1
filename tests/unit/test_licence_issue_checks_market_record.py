"""A licence is signed only for an approval market's own case record confirms, with its numbers."""

from collections.abc import Iterable, Sequence
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection

from contracts.events import Artefact, DepartmentStatusChanged
from contracts.form import RegistrationForm
from service_runtime.delivery import Decoded, RawRecord
from services.registration.licences import when_market_approves_issue_licence
from services.registration.store import MongoRegistrationStore
from tests.support.events import status_event

SEED = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of bytes 0..31
GENUINE = [
    Artefact(
        kind="unified_social_credit_code", number="91440115MA59L2XJ8W", label_zh="统一社会信用代码"
    ),
    Artefact(kind="business_licence_number", number="440115000000001", label_zh="营业执照编号"),
]
RID = "ab" * 16
FORGED = [Artefact(kind="unified_social_credit_code", number="91440115MA0000000X", label_zh="x")]


class Forms:
    def __init__(self, forms: dict[str, RegistrationForm]) -> None:
        self._forms = forms

    async def forms(self, rids: Sequence[str]) -> dict[str, RegistrationForm]:
        return {r: self._forms[r] for r in rids if r in self._forms}


class Licences:
    def __init__(self) -> None:
        self.signed: list[dict[str, Any]] = []

    async def insert_many(self, documents: Sequence[dict[str, Any]], ordered: bool) -> None:  # noqa: FBT001
        self.signed += [document["licence"] for document in documents]


def approval(rid: str, artefacts: Iterable[Artefact]) -> Decoded[DepartmentStatusChanged]:
    event = status_event("market", "approved", registration_id=rid)
    return Decoded(
        RawRecord("department.status.v1", 0, 0, rid.encode(), b""),
        event.model_copy(update={"artefacts": tuple(artefacts)}),
    )


async def issue(
    sample_form: dict[str, Any],
    record: dict[str, list[Any]] | None,
    artefacts: Iterable[Artefact],
) -> list[dict[str, Any]]:
    rid = RID
    licences = Licences()

    async def market_record(rids: Sequence[str]) -> dict[str, list[Any]] | None:
        return record

    pushed: list[dict[str, Any]] = []

    async def push_permits(issued: list[dict[str, Any]]) -> None:
        pushed.extend(issued)

    handle = when_market_approves_issue_licence(
        cast("MongoRegistrationStore", Forms({rid: RegistrationForm.model_validate(sample_form)})),
        cast("AsyncCollection[dict[str, Any]]", licences),
        SEED,
        market_record,
        push_permits,
    )
    await handle([approval(rid, artefacts)])
    # The post-licence permits are pushed for exactly the licences signed, never for a refused one.
    assert len(pushed) == len(licences.signed)
    return licences.signed


async def test_an_approval_market_never_made_signs_nothing(sample_form: dict[str, Any]) -> None:
    signed = await issue(sample_form, {}, FORGED)
    assert signed == []


async def test_the_licence_carries_market_s_recorded_numbers_not_the_event_s(
    sample_form: dict[str, Any],
) -> None:
    signed = await issue(sample_form, {RID: [a.model_dump(mode="json") for a in GENUINE]}, FORGED)
    assert [s["unified_social_credit_code"] for s in signed] == ["91440115MA59L2XJ8W"]


async def test_with_market_decided_elsewhere_the_event_is_believed(
    sample_form: dict[str, Any],
) -> None:
    signed = await issue(sample_form, None, GENUINE)
    assert [s["unified_social_credit_code"] for s in signed] == ["91440115MA59L2XJ8W"]
