"""A department system outside this project, in plain aiokafka.

It uses only the published contract: the committed JSON Schema files and the topic names.
It imports nothing from the Enterprise Page code base, so it could be written in any language.

    python examples/external_department/department.py --department credit \
        --bootstrap 127.0.0.1:9092 --schemas contracts/schemas

Run the built-in department with DISABLED_DEPARTMENTS='["credit"]' so this one replaces it.
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


def submitted_topic(department: str) -> str:
    """Each department has its own topic, holding only the form fields it needs."""
    return f"registration.submitted.{department}.v1"


NAMESPACE = uuid.UUID("6f1c2c36-93a5-4d4e-9b7a-2f4c1d0e8a11")  # this system's own id space


def load_validator(schemas: Path, name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((schemas / f"{name}.json").read_text("utf-8")))


class ExternalDepartment:
    def __init__(self, department: str, schemas: Path) -> None:
        self.department = department
        self.topic = submitted_topic(department)
        self.submitted = load_validator(schemas, self.topic)
        self.status = load_validator(schemas, STATUS)
        self.decided = load_validator(schemas, DECIDED)

    def decide(self, fact: dict) -> list[dict]:
        """Receipt, then a decision by this system's own rule: the legal representative is named."""
        rid = fact["registration_id"]
        named = bool(fact["form"]["legal_representative"]["name"].strip())
        now = datetime.now(UTC).isoformat()
        reason = {
            "rule": "external_legal_representative_named",
            "passed": named,
            "message_zh": "法定代表人姓名已填写",
            "message_en": "the legal representative is named",
            "field_path": "legal_representative.name",
        }
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
            self.status.validate(event)
        return events

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
        self.decided.validate(fact)
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
    department = ExternalDepartment(args.department, Path(args.schemas))
    group = (
        f"department.{args.department}"  # the same group: it takes over where the built-in stopped
    )
    consumer = AIOKafkaConsumer(
        department.topic,
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
        department.submitted.validate(fact)
    except (ValueError, TypeError, ValidationError) as error:
        letter = dead_letter(record, group, str(error))
        await producer.send_and_wait(
            f"{department.topic}.dlq", json.dumps(letter).encode(), key=record.key
        )
        return
    for event in department.decide(fact):
        key = event["registration_id"].encode()
        await producer.send_and_wait(
            STATUS, json.dumps(event, ensure_ascii=False).encode(), key=key
        )
        if decided := department.decided_fact(event):
            body = json.dumps(decided, ensure_ascii=False).encode()
            await producer.send_and_wait(DECIDED, body, key=key)


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
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
