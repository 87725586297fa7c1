"""What the services tell the operators about themselves (internal, not a public contract)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ServiceStarted(BaseModel):
    """A service instance started: the dashboard counts starts, so a restart shows there."""

    model_config = ConfigDict(frozen=True)

    event_type: Literal["ops.service-started.v1"] = "ops.service-started.v1"
    event_id: UUID
    service: str = Field(max_length=50)
    instance: str = Field(max_length=200, description="host and process id")
    started_at: AwareDatetime
