"""Joint punishment (联合惩戒): what credit's screen finds for each person and related enterprise."""

from datetime import date
from typing import Any

from contracts.form import RegistrationForm
from contracts.identifiers import issue_uscc
from services.credit.facts import CreditList, ListEntry
from services.credit.screening import (
    DISHONEST_PERSONS_RULE,
    RELATED_ENTERPRISES_RULE,
    dishonest_persons,
    persons_of,
    related_enterprises,
)

TODAY = date(2026, 12, 3)
RELATED = issue_uscc("related-enterprise", "440115")


def entry(credit_list: CreditList, subject_id: str, **extra: Any) -> ListEntry:
    kind = (
        "person"
        if len(subject_id) == 18 and subject_id[:2].isdigit() and subject_id != RELATED
        else "enterprise"
    )
    return ListEntry(
        list=credit_list,
        entry_id=f"{credit_list.value}-{subject_id}",
        subject_kind=extra.pop("subject_kind", kind),
        subject_id=subject_id,
        subject_name="王某某",
        listed_on=date(2025, 1, 1),
        authority="广州市南沙区人民法院",
        reason="失信被执行人",
        reference="(2025)粤0115执123号",
        **extra,
    )


def active(*entries: ListEntry) -> dict[str, list[ListEntry]]:
    found: dict[str, list[ListEntry]] = {}
    for e in entries:
        if e.active_on(TODAY):
            found.setdefault(e.subject_id, []).append(e)
    return found


def test_every_person_of_the_form_is_screened(sample_form: dict[str, Any]) -> None:
    form = RegistrationForm.model_validate(sample_form)
    persons = persons_of(form)
    ids = {p.id_number for p in persons}
    assert form.legal_representative.id_number in ids
    assert {s.id_number for s in form.shareholders if s.id_number} <= ids
    assert {o.id_number for o in form.principal_officers} <= ids


def test_a_dishonest_person_fails_the_refusing_rule_citing_the_entry(
    sample_form: dict[str, Any],
) -> None:
    form = RegistrationForm.model_validate(sample_form)
    persons = persons_of(form)
    clean = dishonest_persons(persons, {})
    assert clean.passed
    assert clean.rule == DISHONEST_PERSONS_RULE
    for person in persons:
        found = dishonest_persons(
            persons,
            active(entry(CreditList.DISHONEST_DEBTORS, person.id_number, subject_kind="person")),
        )
        assert not found.passed
        assert "(2025)粤0115执123号" in found.message_zh
        assert person.name in found.message_zh
        # The same person may hold two roles (representative and shareholder): the first cited.
        first = next(p for p in persons if p.id_number == person.id_number)
        assert found.field_path == first.field_path
        assert person.id_number not in found.message_zh + found.message_en  # cited, not exposed


def test_a_removed_or_other_list_entry_does_not_refuse(sample_form: dict[str, Any]) -> None:
    form = RegistrationForm.model_validate(sample_form)
    rep = form.legal_representative.id_number
    removed = entry(
        CreditList.DISHONEST_DEBTORS, rep, subject_kind="person", removed_on=date(2026, 1, 1)
    )
    penalty = entry(CreditList.ADMINISTRATIVE_PENALTIES, rep, subject_kind="person")
    assert dishonest_persons(persons_of(form), active(removed, penalty)).passed


def test_a_listed_related_enterprise_sends_the_case_to_an_officer() -> None:
    assert related_enterprises([RELATED], {}).passed
    for credit_list in (
        CreditList.ABNORMAL_OPERATIONS,
        CreditList.SERIOUS_VIOLATIONS,
        CreditList.DISHONEST_DEBTORS,
    ):
        found = related_enterprises(
            [RELATED], active(entry(credit_list, RELATED, subject_kind="enterprise"))
        )
        assert not found.passed
        assert found.rule == RELATED_ENTERPRISES_RULE
        assert RELATED in found.message_zh
    tax = entry(CreditList.TAX_ARREARS, RELATED, subject_kind="enterprise", amount_yuan=100)
    assert related_enterprises([RELATED], active(tax)).passed  # not a joint-punishment list
