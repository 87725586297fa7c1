"""Joint punishment at registration (联合惩戒): the credit department's look-up in its lists.

- A legal representative, natural-person shareholder or principal officer on the dishonest
  judgment debtors' list (失信被执行人) makes credit refuse at once, citing the list entry.
- A related enterprise (a legal-person shareholder, or an enterprise one of the persons already
  belongs to) on the abnormal-operations, serious-violations or dishonest list sends the case
  to an officer instead, citing the entry.

The look-up is batched: one query for the persons' enterprises and one for every entry naming
any person or enterprise of the batch. It also notes each form's particulars for the portrait
the enterprise gets when its registration completes (enterprises.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from contracts.credit import RELATED_CREDIT_CLASS_ARTEFACT
from contracts.events import Artefact, Reason
from contracts.form import RegistrationForm
from services.credit.enterprises import EnterpriseStore, Particulars
from services.credit.entries import ListEntryStore
from services.credit.facts import CreditList, ListEntry
from services.department.extension import Screen, Screened

DISHONEST_PERSONS_RULE = "joint_punishment_dishonest_persons"
RELATED_ENTERPRISES_RULE = "related_enterprises_in_good_standing"
# Lists whose entry on a related enterprise needs an officer's look.
RELATED_LISTS = frozenset(
    {CreditList.ABNORMAL_OPERATIONS, CreditList.SERIOUS_VIOLATIONS, CreditList.DISHONEST_DEBTORS}
)
LIST_NAMES = {
    CreditList.DISHONEST_DEBTORS: ("失信被执行人名单", "list of dishonest judgment debtors"),
    CreditList.ABNORMAL_OPERATIONS: ("经营异常名录", "abnormal-operations list"),
    CreditList.SERIOUS_VIOLATIONS: ("严重违法失信名单", "serious-violations list"),
}


@dataclass(frozen=True)
class Person:
    role_zh: str
    role_en: str
    name: str
    id_number: str
    field_path: str


def persons_of(form: RegistrationForm) -> list[Person]:
    rep = form.legal_representative
    found = [
        Person(
            "法定代表人",
            "legal representative",
            rep.name,
            rep.id_number,
            "legal_representative.id_number",
        ),
    ]
    found += [
        Person("股东", "shareholder", s.name, s.id_number, f"shareholders.{i}.id_number")
        for i, s in enumerate(form.shareholders)
        if s.id_number
    ]
    found += [
        Person(
            "主要人员",
            "principal officer",
            o.name,
            o.id_number,
            f"principal_officers.{i}.id_number",
        )
        for i, o in enumerate(form.principal_officers)
    ]
    return found


def dishonest_persons(persons: Sequence[Person], active: Mapping[str, list[ListEntry]]) -> Reason:
    hits = [
        (person, entry)
        for person in persons
        for entry in active.get(person.id_number, [])
        if entry.list == CreditList.DISHONEST_DEBTORS
    ]
    if not hits:
        return Reason(
            rule=DISHONEST_PERSONS_RULE,
            passed=True,
            message_zh="法定代表人、股东及主要人员均未列入失信被执行人名单",
            message_en="no person of the enterprise is on the list of dishonest judgment debtors",
        )
    person, entry = hits[0]
    return Reason(
        rule=DISHONEST_PERSONS_RULE,
        passed=False,
        message_zh=(
            f"{person.role_zh}{person.name}已被列入失信被执行人名单（{entry.authority}，"
            f"{entry.reference or entry.entry_id}，{entry.listed_on.isoformat()}起），"
            "依法实施联合惩戒，不得担任企业法定代表人、股东或主要人员"
        ),
        message_en=(
            f"The {person.role_en} {person.name} is on the list of dishonest judgment debtors "
            f"({entry.authority}, {entry.reference or entry.entry_id}, since "
            f"{entry.listed_on.isoformat()}): joint punishment bars them from founding or "
            "leading an enterprise"
        ),
        field_path=person.field_path,
    )


def related_enterprises(related: Sequence[str], active: Mapping[str, list[ListEntry]]) -> Reason:
    hits = [e for uscc in related for e in active.get(uscc, []) if e.list in RELATED_LISTS]
    if not hits:
        return Reason(
            rule=RELATED_ENTERPRISES_RULE,
            passed=True,
            message_zh="关联企业未列入经营异常名录或严重违法失信名单",
            message_en="no related enterprise is on the abnormal-operations or violations lists",
        )
    entry = hits[0]
    zh, en = LIST_NAMES[entry.list]
    return Reason(
        rule=RELATED_ENTERPRISES_RULE,
        passed=False,
        message_zh=(
            f"关联企业{entry.subject_name}（{entry.subject_id}）被列入{zh}（{entry.authority}，"
            f"{entry.listed_on.isoformat()}起），转人工审核"
        ),
        message_en=(
            f"The related enterprise {entry.subject_name} ({entry.subject_id}) is on the {en} "
            f"({entry.authority}, since {entry.listed_on.isoformat()}); an officer reviews"
        ),
        field_path="shareholders",
    )


def related_class_artefact(classes: Sequence[str]) -> tuple[Artefact, ...]:
    """The worst class among the related enterprises with a portrait, for credit routing; none
    when none has one (a first-time founder)."""
    if not classes:
        return ()
    worst = max(classes)  # "A" < "B" < "C" < "D": the letters sort from best to worst
    return (
        Artefact(kind=RELATED_CREDIT_CLASS_ARTEFACT, number=worst, label_zh="关联主体信用类别"),
    )


def joint_punishment_screen(
    lists: ListEntryStore, enterprises: EnterpriseStore, today: Callable[[], date]
) -> Screen:
    async def screen(forms: Sequence[tuple[str, RegistrationForm]]) -> Mapping[str, Screened]:
        particulars = {rid: Particulars.of(form) for rid, form in forms}
        await enterprises.note_applications(particulars)
        person_ids = {pid for p in particulars.values() for pid in p.person_ids}
        led = await enterprises.led_by(person_ids)
        related = {
            rid: sorted({*p.related_usccs, *(u for pid in p.person_ids for u in led.get(pid, []))})
            for rid, p in particulars.items()
        }
        subjects = person_ids | {u for usccs in related.values() for u in usccs}
        day = today()
        active: dict[str, list[ListEntry]] = {}
        for entry in await lists.naming(subjects):
            if entry.active_on(day):
                active.setdefault(entry.subject_id, []).append(entry)
        classes = await enterprises.classes_of(u for usccs in related.values() for u in usccs)
        return {
            rid: Screened(
                reasons=(
                    dishonest_persons(persons_of(form), active),
                    related_enterprises(related[rid], active),
                ),
                artefacts=related_class_artefact(
                    [classes[u] for u in related[rid] if u in classes]
                ),
            )
            for rid, form in forms
        }

    return screen
