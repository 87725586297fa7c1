"""The ack / retry / dead-letter policy for batch consumers.

A batch is acknowledged only after `handle` stored its effects. Bytes that do not decode go
straight to the dead-letter topic (retrying cannot fix them). A batch whose handling fails is
retried with exponential backoff; if it still fails, each message is retried alone so one
poison message cannot hold back the others, and the ones that still fail are dead-lettered.
If dead-lettering itself fails, the error propagates and the batch is rewound, never skipped.
An outage (the database or the broker unreachable) is not the messages' fault: after the
retries it propagates the same way, so the batch is fetched again and nothing is dead-lettered
because a dependency was down for a while.
A re-driven record carries the attempts already spent on it (`REDRIVE_ATTEMPTS_HEADER`); its
dead letter counts those plus the attempts made here, so a re-drive that fails again shows up
with a higher count.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import structlog
from aiokafka.errors import KafkaConnectionError, KafkaError
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from pymongo.errors import ConnectionFailure

from contracts.dead_letter import REDRIVE_ATTEMPTS_HEADER, REDRIVE_GROUP_HEADER, DeadLetter
from contracts.topics import dead_letter_topic
from service_runtime.metrics import (
    BATCH_ATTEMPTS_FAILED,
    BATCH_SIZE,
    HANDLER_SECONDS,
    MESSAGES_DEAD_LETTERED,
    MESSAGES_HANDLED,
)
from service_runtime.telemetry import REGISTRATION_ATTRIBUTE, extract, headers_of, message_traces

log = structlog.get_logger("delivery")

E = TypeVar("E")
_MAX_COUNT_DIGITS = 9  # a longer "count" is garbage, and int() refuses very long digit strings


@dataclass(frozen=True)
class RawRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes | None], ...] = ()  # Kafka allows a null header value

    @classmethod
    def from_consumer_record(cls, record: Any) -> RawRecord:  # noqa: ANN401 - aiokafka record
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value or b"",
            headers=tuple(record.headers or ()),
        )

    def redriven_for(self) -> str | None:
        """The consumer group a re-driven record is for; None for an ordinary record."""
        values = [value for name, value in self.headers if name == REDRIVE_GROUP_HEADER]
        raw = values[-1] if values else None
        return raw.decode("utf-8", "replace") if raw else None

    def prior_attempts(self) -> int:
        """Attempts spent before a re-drive; 0 when the header is absent or not a count."""
        values = [value for name, value in self.headers if name == REDRIVE_ATTEMPTS_HEADER]
        raw = values[-1] if values else None  # Kafka allows a repeated header: the last wins
        if not raw or not raw.isdigit() or len(raw) > _MAX_COUNT_DIGITS:
            return 0
        return int(raw)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_seconds: float = 0.1

    def delay(self, attempt: int) -> float:
        return float(self.backoff_seconds * (2 ** (attempt - 1)))


class DeadLetterPublisher(Protocol):
    async def __call__(self, topic: str, key: bytes | None, letter: DeadLetter) -> None: ...


@dataclass(frozen=True)
class Decoded(Generic[E]):
    record: RawRecord
    event: E


def build_dead_letter(
    record: RawRecord, group: str, error: BaseException, attempts: int
) -> DeadLetter:
    """`attempts` are those made now; the record's prior attempts are added to them."""
    return DeadLetter(
        original_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key.decode("utf-8", "replace") if record.key is not None else None,
        consumer_group=group,
        error_type=type(error).__name__,
        error=str(error)[:2000],
        attempts=record.prior_attempts() + attempts,
        payload_sha256=hashlib.sha256(record.value).hexdigest(),
        payload=record.value.decode("utf-8", "replace"),
        failed_at=datetime.now(UTC),
    )


def is_outage(error: BaseException) -> bool:
    """The database or the broker could not be reached: retrying later will work."""
    if isinstance(error, ConnectionFailure):  # AutoReconnect, server selection, network timeouts
        return True
    return isinstance(error, KafkaConnectionError) or (
        isinstance(error, KafkaError) and bool(getattr(error, "retriable", False))
    )


def raise_if_outage(error: Exception) -> None:
    if is_outage(error):
        log.warning("batch_rewound_dependency_unreachable", error=repr(error))
        raise error


@dataclass(frozen=True)
class BatchConsumer(Generic[E]):
    group: str
    decode: Callable[[bytes], E]
    handle: Callable[[Sequence[Decoded[E]]], Awaitable[None]]
    dead_letter: DeadLetterPublisher
    policy: RetryPolicy
    tracer: Tracer | None = None

    async def consume(self, records: Sequence[RawRecord]) -> None:
        """Handle a batch; each message's handling is a span in its registration's trace."""
        spans = self._message_spans(records)
        traces = {key: headers_of(span) for key, span in spans.items()}
        # One message: its database commands nest in its span. A batch's shared bulk writes
        # belong to no single registration, so they stay in the batch's own span.
        token = (
            otel_context.attach(trace.set_span_in_context(next(iter(spans.values()))))
            if len(records) == 1 and spans
            else None
        )
        try:
            with message_traces(traces):
                await self._consume(records)
        except Exception as error:
            for span in spans.values():
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise
        finally:
            if token is not None:
                otel_context.detach(token)
            for span in spans.values():
                span.end()

    def _message_spans(self, records: Sequence[RawRecord]) -> dict[str, trace.Span]:
        """One span per registration in the batch, named after the topics its messages came on."""
        if self.tracer is None:
            return {}
        topics: dict[str, list[str]] = {}
        parents: dict[str, dict[str, str]] = {}
        for record in records:
            key = record.key.decode("utf-8", "replace") if record.key else ""
            headers = {name: (value or b"").decode("latin-1") for name, value in record.headers}
            if "traceparent" not in headers:
                continue  # an untraced message starts no trace here
            parents.setdefault(key, headers)
            if record.topic not in topics.setdefault(key, []):
                topics[key].append(record.topic)
        return {
            key: self.tracer.start_span(
                f"{' + '.join(topics[key])} process",
                context=extract(headers),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": ",".join(topics[key]),
                    "messaging.consumer.group.name": self.group,
                    REGISTRATION_ATTRIBUTE: key,
                },
            )
            for key, headers in parents.items()
        }

    async def _consume(self, records: Sequence[RawRecord]) -> None:
        started = time.perf_counter()
        BATCH_SIZE.labels(self.group).observe(len(records))
        decoded: list[Decoded[E]] = []
        for record in records:
            if record.redriven_for() not in (None, self.group):
                continue  # re-driven for another group's failure; this group handled it already
            try:
                decoded.append(Decoded(record, self.decode(record.value)))
            except ValueError as error:  # pydantic.ValidationError is a ValueError
                await self._send_to_dead_letters(record, error, attempts=1)
        handled = len(decoded)
        failure = await self._try(decoded) if decoded else None
        if failure is not None:
            raise_if_outage(failure)
            for one in decoded:
                failure = await self._try([one])
                if failure is not None:
                    raise_if_outage(failure)
                    handled -= 1
                    await self._send_to_dead_letters(one.record, failure, self.policy.max_attempts)
        MESSAGES_HANDLED.labels(self.group).inc(handled)
        HANDLER_SECONDS.labels(self.group).observe(time.perf_counter() - started)

    async def _try(self, batch: Sequence[Decoded[E]]) -> Exception | None:
        last: Exception | None = None
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                await self.handle(batch)
            except Exception as error:  # noqa: BLE001 - any failure is retried, then dead-lettered
                last = error
                BATCH_ATTEMPTS_FAILED.labels(self.group).inc()
                log.warning(
                    "batch_attempt_failed",
                    group=self.group,
                    size=len(batch),
                    attempt=attempt,
                    error=repr(error),
                )
                if attempt < self.policy.max_attempts:
                    await asyncio.sleep(self.policy.delay(attempt))
            else:
                return None
        return last

    async def _send_to_dead_letters(
        self, record: RawRecord, error: BaseException, attempts: int
    ) -> None:
        letter = build_dead_letter(record, self.group, error, attempts)
        log.error(
            "message_dead_lettered",
            registration_id=letter.key,
            group=self.group,
            topic=record.topic,
            offset=record.offset,
            error_type=letter.error_type,
            attempts=letter.attempts,
        )
        await self.dead_letter(dead_letter_topic(record.topic), record.key, letter)
        MESSAGES_DEAD_LETTERED.labels(self.group, record.topic).inc()
