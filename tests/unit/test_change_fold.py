"""Changes (变更登记): who re-decides, the licence's versions, and the timeline's fold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations
from typing import Any
from uuid import uuid4

from contracts.changes import ChangeDecided, ChangeDecision, ChangeState, ChangeStatusChanged
from contracts.events import Reason
from contracts.form import RegistrationForm
from services.notifier.change_view import latest_changes
from services.registration.changes import departments_touched
from services.registration.licence import canonical_bytes, reissued
from tests.support.licences import licence

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RID, USCC = "b" * 32, "91440115MA59L2XJ8W"


def test_only_the_departments_whose_view_a_change_touches_re_decide() -> None:
    assert departments_touched(["enterprise.registered_capital"]) == (
        "market",
        "credit",
        "commerce",
    )
    moved = departments_touched(["enterprise.address"])
    assert set(moved) == {"market", "tax", "police", "credit", "social_security", "commerce"}
    assert "bank" in departments_touched(["legal_representative.name"])
    assert "bank" not in moved  # the bank's view holds no address


def test_a_first_licence_signs_no_version_and_a_reissued_one_signs_its_own(
    sample_form: dict[str, Any],
) -> None:
    first = licence(sample_form)
    assert b'"version"' not in canonical_bytes(first)  # signatures made before versions hold
    sample_form["enterprise"]["address"] = "广州市南沙区港前大道2号"
    second = reissued(first, RegistrationForm.model_validate(sample_form), 2, T0)
    assert b'"version":2' in canonical_bytes(second)
    assert second.address == "广州市南沙区港前大道2号"
    assert (second.unified_social_credit_code, second.founding_date) == (
        first.unified_social_credit_code,
        first.founding_date,
    )


def steps() -> tuple[list[ChangeStatusChanged | ChangeDecided], str]:
    change_id = uuid4()
    common: dict[str, Any] = {"source": "registration", "registration_id": RID}
    status = {
        **common,
        "change_id": change_id,
        "unified_social_credit_code": USCC,
        "licence_version": 2,
        "changed_paths": ("enterprise.registered_capital",),
        "departments": ("market", "credit"),
    }
    refusal = Reason(rule="r", passed=False, message_zh="不符", message_en="no")
    events: list[ChangeStatusChanged | ChangeDecided] = [
        ChangeStatusChanged(
            event_id=uuid4(), occurred_at=T0, state=ChangeState.SUBMITTED, **status
        ),
        ChangeDecided(
            event_id=uuid4(),
            occurred_at=T0 + timedelta(seconds=1),
            change_id=change_id,
            department="market",
            decision=ChangeDecision.APPROVED,
            **common,
        ),
        ChangeDecided(
            event_id=uuid4(),
            occurred_at=T0 + timedelta(seconds=1),
            change_id=change_id,
            department="credit",
            decision=ChangeDecision.REJECTED,
            reasons=(refusal,),
            **common,
        ),
        ChangeStatusChanged(
            event_id=uuid4(),
            occurred_at=T0 + timedelta(seconds=2),
            state=ChangeState.REJECTED,
            reasons=(refusal,),
            **status,
        ),
    ]
    return events, str(change_id)


def test_a_change_folds_the_same_whatever_order_its_steps_arrive_in() -> None:
    events, change_id = steps()
    for order in permutations(events):
        changes: dict[str, Any] = {}
        for event in order:
            changes = latest_changes(changes, event)
        folded = changes[change_id]
        assert folded["state"] == "rejected"
        assert folded["decisions"] == {"market": "approved", "credit": "rejected"}
        assert folded["reasons"][0]["message_zh"] == "不符"
        assert folded["departments"] == ["market", "credit"]
