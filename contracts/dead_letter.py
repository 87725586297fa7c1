"""What lands on `<topic>.dlq`: the original bytes plus why and how often they failed."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True)

    original_topic: str = Field(examples=["department.status.v1"])
    partition: int
    offset: int
    key: str | None = Field(description="original Kafka key, decoded as UTF-8 when possible")
    consumer_group: str = Field(examples=["notifier.timeline"])
    error_type: str = Field(examples=["ValidationError"])
    error: str = Field(description="why it failed, truncated to 2,000 characters")
    attempts: int = Field(ge=1, description="how many times processing was tried")
    payload_sha256: str = Field(description="hex SHA-256 of the original value bytes")
    payload: str = Field(description="original value, UTF-8 with replacement characters")
    failed_at: AwareDatetime
