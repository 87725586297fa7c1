"""A department system outside this project, in plain aiokafka.

It uses only the published contract: the committed JSON Schema files and the topic names.
It imports nothing from the Enterprise Page code base, so it could be written in any language.

    python examples/external_department/department.py --department credit \
        --bootstrap 127.0.0.1:9092 --schemas contracts/schemas

Run the built-in department with DISABLED_DEPARTMENTS='["credit"]' so this one replaces it.
It also decides a registered enterprise's changes (变更登记) that touch its view of the form,
by the same rule, on `change.decided.v1`. A change comes on the department's amendment topic
(`registration.corrected.<department>.v1`) as the event type
`registration.changed.<department>.v1`; this example leaves the corrections there to the
registration's own round of review (it has no correction flow).

With `--permits` it is instead a competent department of post-licence permits (证照分离) that
runs outside the project, e.g. the health commission:

    python examples/external_department/department.py --department health --permits

It reads the pushes (`permit.notice.v1`: which enterprises now do business in its domain) and
the enterprises' filings, commitments and applications (`permit.submitted.v1`) addressed to it,
and answers each on `permit.status.v1`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import signal
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from jsonschema import Draft202012Validator, ValidationError

STATUS = "department.status.v1"
# A department others wait for (credit: tax and bank route by its decision) also publishes each
# final decision as this narrow fact; the waiting departments read only it.
DECIDED = "department.decided.v1"
FINAL = {"approved", "rejected", "not_applicable"}
CHANGE_DECIDED = "change.decided.v1"
PERMIT_NOTICE = "permit.notice.v1"
PERMIT_SUBMITTED = "permit.submitted.v1"
PERMIT_STATUS = "permit.status.v1"


def submitted_topic(department: str) -> str:
    """Each department has its own topic, holding only the form fields it needs."""
    return f"registration.submitted.{department}.v1"


def corrected_topic(department: str) -> str:
    """Corrections and, as `registration.changed.<department>.v1`, changes of a registered
    enterprise: the department's amendment topic."""
    return f"registration.corrected.{department}.v1"


NAMESPACE = uuid.UUID("6f1c2c36-93a5-4d4e-9b7a-2f4c1d0e8a11")  # this system's own id space


def load_validator(schemas: Path, name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((schemas / f"{name}.json").read_text("utf-8")))


class ExternalDepartment:
    def __init__(self, department: str, schemas: Path) -> None:
        self.department = department
        self.topic = submitted_topic(department)
        self.amendments = corrected_topic(department)
        self.changed = f"registration.changed.{department}.v1"  # an event type on `amendments`
        self.validators = {
            t: load_validator(schemas, t)
            for t in (self.topic, self.amendments, self.changed, STATUS, DECIDED, CHANGE_DECIDED)
        }

    def decide(self, fact: dict) -> list[dict]:
        """Receipt, then a decision by this system's own rule: the legal representative is named."""
        rid = fact["registration_id"]
        named, reason = self._rule(fact)
        now = datetime.now(UTC).isoformat()
        events = [
            self._event(rid, 0, "received", now, "system", [], []),
            self._event(
                rid,
                1,
                "approved" if named else "in_review",
                now,
                "rules",
                [reason],
                [
                    {
                        "kind": "external_check",
                        "number": f"EXT-{rid[:12]}",
                        "label_zh": "外部系统核验编号",
                    }
                ]
                if named
                else [],
            ),
        ]
        for event in events:  # never publish what breaks the contract
            self.validators[STATUS].validate(event)
        return events

    def decide_change(self, fact: dict) -> dict:
        """A change that touches this department's view: the same rule, answered once."""
        named, reason = self._rule(fact)
        answer = {
            "event_id": str(uuid.uuid5(NAMESPACE, f"change/{fact['change_id']}/{self.department}")),
            "event_type": CHANGE_DECIDED,
            "source": f"external-{self.department}",
            "occurred_at": datetime.now(UTC).isoformat(),
            "registration_id": fact["registration_id"],
            "change_id": fact["change_id"],
            "department": self.department,
            "decision": "approved" if named else "rejected",
            "reasons": [reason],
        }
        self.validators[CHANGE_DECIDED].validate(answer)
        return answer

    @staticmethod
    def _rule(fact: dict) -> tuple[bool, dict]:
        named = bool(fact["form"]["legal_representative"]["name"].strip())
        return named, {
            "rule": "external_legal_representative_named",
            "passed": named,
            "message_zh": "法定代表人姓名已填写",
            "message_en": "the legal representative is named",
            "field_path": "legal_representative.name",
        }

    def decided_fact(self, status: dict) -> dict | None:
        """The final decision again, as the fact the departments that wait for this one read."""
        if status["status"] not in FINAL:
            return None
        fact = {
            "event_id": str(uuid.uuid5(NAMESPACE, f"decided/{status['event_id']}")),
            "event_type": DECIDED,
            **{k: status[k] for k in ("source", "occurred_at", "registration_id", "department")},
            **{k: status[k] for k in ("status", "round", "artefacts")},
        }
        self.validators[DECIDED].validate(fact)
        return fact

    def _event(  # noqa: PLR0913, PLR0917 - one field each, kept flat for readers in any language
        self,
        rid: str,
        sequence: int,
        status: str,
        now: str,
        by: str,
        reasons: list[dict],
        artefacts: list[dict],
    ) -> dict:
        return {
            "event_id": str(
                uuid.uuid5(NAMESPACE, f"{rid}/{self.department}/1/{sequence}/{status}")
            ),
            "event_type": STATUS,
            "source": f"external-{self.department}",
            "occurred_at": now,
            "registration_id": rid,
            "department": self.department,
            "status": status,
            "round": 1,
            "sequence": sequence,
            "decided_by": by,
            "reasons": reasons,
            "artefacts": artefacts,
        }


class ExternalPermitDesk:
    """A competent department's permits: a filing is filed and a signed commitment approved at
    once; an application is reviewed by this system's own rule (the premises are described)."""

    def __init__(self, department: str, schemas: Path) -> None:
        self.department = department
        self.topics = (PERMIT_NOTICE, PERMIT_SUBMITTED)
        self.validators = {t: load_validator(schemas, t) for t in (*self.topics, PERMIT_STATUS)}
        self.noticed: set[str] = set()  # enterprises pushed to this department (监管闭环)

    def decide(self, topic: str, fact: dict) -> list[dict]:
        if fact["department"] != self.department:
            return []
        if topic == PERMIT_NOTICE:
            self.noticed.add(fact["unified_social_credit_code"])
            return []
        kind, submission = fact["kind"], fact["submission"]
        if kind == "filing":
            steps = [("filed", [])]
        elif kind == "commitment":
            signed = submission["commitment_signed"]
            steps = [("approved" if signed else "rejected", [] if signed else [UNSIGNED])]
        else:
            described = bool(submission["description"].strip())
            steps = [
                ("in_review", []),
                ("approved" if described else "rejected", [] if described else [UNDESCRIBED]),
            ]
        events = [self._status(fact, state, reasons) for state, reasons in steps]
        for event in events:  # never publish what breaks the contract
            self.validators[PERMIT_STATUS].validate(event)
        return events

    def _status(self, fact: dict, state: str, reasons: list[dict]) -> dict:
        submission_id = fact["event_id"]
        number = f"EXT-{hashlib.sha256(submission_id.encode()).hexdigest()[:12].upper()}"
        return {
            "event_id": str(uuid.uuid5(NAMESPACE, f"{submission_id}/{state}")),
            "event_type": PERMIT_STATUS,
            "source": f"external-{self.department}",
            "occurred_at": datetime.now(UTC).isoformat(),
            "registration_id": fact["registration_id"],
            "submission_id": submission_id,
            "unified_social_credit_code": fact["unified_social_credit_code"],
            "permit_id": fact["permit_id"],
            "department": self.department,
            "state": state,
            "decided_by": "rules",
            "permit_number": number if state in {"filed", "approved"} else None,
            "deadline_at": None,
            "reasons": reasons,
        }


def _refusal(rule: str, zh: str, en: str) -> dict:
    return {"rule": rule, "passed": False, "message_zh": zh, "message_en": en, "field_path": None}


UNSIGNED = _refusal(
    "external_commitment_signed", "须签署告知承诺书", "the commitment is not signed"
)
UNDESCRIBED = _refusal(
    "external_premises_described", "须说明经营项目", "describe what the premises will be used for"
)


def dead_letter(record: ConsumerRecord, group: str, error: str) -> dict:
    return {
        "original_topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key.decode("utf-8", "replace") if record.key else None,
        "consumer_group": group,
        "error_type": "SchemaValidationError",
        "error": error[:2000],
        "attempts": 1,
        "payload_sha256": hashlib.sha256(record.value or b"").hexdigest(),
        "payload": (record.value or b"").decode("utf-8", "replace"),
        "failed_at": datetime.now(UTC).isoformat(),
    }


async def run(args: argparse.Namespace) -> None:
    if args.permits:
        department: ExternalDepartment | ExternalPermitDesk = ExternalPermitDesk(
            args.department, Path(args.schemas)
        )
        topics: tuple[str, ...] = department.topics
        group = f"permits.{args.department}"
    else:
        department = ExternalDepartment(args.department, Path(args.schemas))
        topics = (department.topic, department.amendments)
        # The same group: it takes over where the built-in stopped.
        group = f"department.{args.department}"
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=args.bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=args.bootstrap, enable_idempotence=args.idempotent, acks="all"
    )
    await consumer.start()
    await producer.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"external {args.department} department ready", flush=True)  # noqa: T201 - a CLI
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=100)
            for records in batches.values():
                for record in records:
                    if isinstance(department, ExternalPermitDesk):
                        await handle_permit(department, producer, record, group)
                    else:
                        await handle(department, producer, record, group)
            if batches:
                await consumer.commit()  # at least once: only after every effect was published
    finally:
        await consumer.stop()
        await producer.stop()


async def handle(
    department: ExternalDepartment, producer: AIOKafkaProducer, record: ConsumerRecord, group: str
) -> None:
    try:
        fact = json.loads(record.value)
        # On the amendment topic the event type says which it is: a change or a correction.
        kind = fact.get("event_type") if isinstance(fact, dict) else None
        department.validators[kind if kind == department.changed else record.topic].validate(fact)
    except (ValueError, TypeError, ValidationError) as error:
        letter = dead_letter(record, group, str(error))
        await producer.send_and_wait(
            f"{record.topic}.dlq", json.dumps(letter).encode(), key=record.key
        )
        return
    if kind == department.changed:
        answer = department.decide_change(fact)
        body = json.dumps(answer, ensure_ascii=False).encode()
        await producer.send_and_wait(CHANGE_DECIDED, body, key=record.key)
        return
    if record.topic == department.amendments:
        return  # a correction: this example asks for none, so it gets none to review
    for event in department.decide(fact):
        key = event["registration_id"].encode()
        await producer.send_and_wait(
            STATUS, json.dumps(event, ensure_ascii=False).encode(), key=key
        )
        if decided := department.decided_fact(event):
            body = json.dumps(decided, ensure_ascii=False).encode()
            await producer.send_and_wait(DECIDED, body, key=key)


async def handle_permit(
    desk: ExternalPermitDesk, producer: AIOKafkaProducer, record: ConsumerRecord, group: str
) -> None:
    try:
        fact = json.loads(record.value)
        desk.validators[record.topic].validate(fact)
    except (ValueError, TypeError, ValidationError) as error:
        letter = dead_letter(record, group, str(error))
        await producer.send_and_wait(
            f"{record.topic}.dlq", json.dumps(letter).encode(), key=record.key
        )
        return
    for event in desk.decide(record.topic, fact):
        body = json.dumps(event, ensure_ascii=False).encode()
        await producer.send_and_wait(PERMIT_STATUS, body, key=event["registration_id"].encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--department", required=True)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument(
        "--schemas", default=str(Path(__file__).resolve().parents[2] / "contracts" / "schemas")
    )
    parser.add_argument(
        "--idempotent", action="store_true", help="idempotent producer (real Kafka only)"
    )
    parser.add_argument(
        "--permits",
        action="store_true",
        help="decide this department's post-licence permits instead of registrations",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
