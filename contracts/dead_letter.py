"""What lands on `<topic>.dlq`: the original bytes plus why and how often they failed.

Re-driving a letter puts its payload back on its original topic with the header
`REDRIVE_ATTEMPTS_HEADER` set to the letter's `attempts`. A consumer that dead-letters the
re-driven record again adds that count to its own attempts, so a letter that keeps failing
comes back with a higher count each time instead of looping unnoticed.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

REDRIVE_ATTEMPTS_HEADER = "x-dead-letter-attempts"
"""Kafka header on a re-driven record: attempts already spent on it, as ASCII digits."""
REDRIVE_GROUP_HEADER = "x-dead-letter-group"
"""Kafka header on a re-driven record: the one consumer group it is for; other groups skip it,
having handled it the first time."""


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True)

    original_topic: str = Field(examples=["department.status.v1"])
    partition: int
    offset: int
    key: str | None = Field(description="original Kafka key, decoded as UTF-8 when possible")
    consumer_group: str = Field(examples=["notifier.timeline"])
    error_type: str = Field(examples=["ValidationError"])
    error: str = Field(description="why it failed, truncated to 2,000 characters")
    attempts: int = Field(
        ge=1,
        description=(
            "how many times processing was tried, including the attempts before earlier"
            f" re-drives (carried in the `{REDRIVE_ATTEMPTS_HEADER}` Kafka header)"
        ),
    )
    payload_sha256: str = Field(description="hex SHA-256 of the original value bytes")
    payload: str = Field(description="original value, UTF-8 with replacement characters")
    failed_at: AwareDatetime


class RedriveMessage(NamedTuple):
    topic: str
    key: bytes | None
    payload: bytes
    headers: dict[str, str]


def redrive_message(letter: DeadLetter) -> RedriveMessage:
    """The record that puts a dead letter's payload back on its original topic.

    The payload is the letter's text encoded as UTF-8: the original bytes for any valid UTF-8
    value; bytes that were not UTF-8 come back with replacement characters and fail again.
    """
    return RedriveMessage(
        topic=letter.original_topic,
        key=letter.key.encode() if letter.key is not None else None,
        payload=letter.payload.encode(),
        headers={
            REDRIVE_ATTEMPTS_HEADER: str(letter.attempts),
            REDRIVE_GROUP_HEADER: letter.consumer_group,
        },
    )
