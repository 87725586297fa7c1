"""A licence is signed only for an approval market's own case record confirms, with its numbers."""

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.delivery import Decoded, RawRecord
from services.registration.licences import when_market_approves_issue_licence
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
    def __init__(self, forms):
        self._forms = forms

    async def forms(self, rids):
        return {r: self._forms[r] for r in rids if r in self._forms}


class Licences:
    def __init__(self):
        self.signed = []

    async def bulk_write(self, ops, ordered):
        self.signed += [op.document["$setOnInsert"]["licence"] for op in map(Op, ops)]


class Op:
    """An UpdateOne's update document, through its public repr-free interface."""

    def __init__(self, op):
        self.document = op._doc  # noqa: SLF001 - pymongo offers no public accessor


def approval(rid, artefacts):
    event = status_event("market", "approved", registration_id=rid)
    return Decoded(
        RawRecord("department.status.v1", 0, 0, rid.encode(), b""),
        event.model_copy(update={"artefacts": tuple(artefacts)}),
    )


async def issue(sample_form, record, artefacts):
    rid = RID
    licences = Licences()

    async def market_record(rids):
        return record

    handle = when_market_approves_issue_licence(
        Forms({rid: RegistrationForm.model_validate(sample_form)}), licences, SEED, market_record
    )
    await handle([approval(rid, artefacts)])
    return licences.signed


async def test_an_approval_market_never_made_signs_nothing(sample_form):
    signed = await issue(sample_form, {}, FORGED)
    assert signed == []


async def test_the_licence_carries_market_s_recorded_numbers_not_the_event_s(sample_form):
    signed = await issue(sample_form, {RID: [a.model_dump(mode="json") for a in GENUINE]}, FORGED)
    assert [s["unified_social_credit_code"] for s in signed] == ["91440115MA59L2XJ8W"]


async def test_with_market_decided_elsewhere_the_event_is_believed(sample_form):
    signed = await issue(sample_form, None, GENUINE)
    assert [s["unified_social_credit_code"] for s in signed] == ["91440115MA59L2XJ8W"]
