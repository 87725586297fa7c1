"""The one registry of what travels on each topic, and the decoders derived from it.

A topic's name is in `topics.py`; the model on it is here, once. A consumer's decoder is the
union of the models of the topics its subscription reads (`decoder`), so no consumer writes its
own union, and the JSON Schemas and the AsyncAPI document (`export.py`) come from the same map.

A new version of an event is introduced in one place: register an upcaster for the older
`event_type`, and every decoder turns such a payload into the current shape before validating
it, wherever it was read from (a live topic, a replay, a re-driven dead letter).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Union, cast

from pydantic import BaseModel, Field, TypeAdapter

from contracts.annual_report import AnnualReportStatusChanged
from contracts.changes import ChangeDecided, ChangeStatusChanged
from contracts.credit import CreditListEntryRecorded, CreditProfileChanged, CreditRiskFlagged
from contracts.delivery import DeliveryStatusChanged
from contracts.deregistration import DeregistrationStatusChanged
from contracts.events import (
    DepartmentDecided,
    DepartmentStatusChanged,
    PersonalDataRead,
    RegistrationAccessRevoked,
    RegistrationCompleted,
    RegistrationWithdrawn,
)
from contracts.helpdesk import HelpdeskQuestionAnswered, HelpdeskQuestionChanged, asked_event
from contracts.notices import PolicyPublished, ReminderDue
from contracts.operations import ServiceStarted
from contracts.permits import PermitNoticed, PermitStatusChanged, PermitSubmitted
from contracts.projections import changed_event, corrected_event, submitted_event
from contracts.topics import (
    ANNUAL_REPORT_STATUS,
    CHANGE_DECIDED,
    CHANGE_STATUS,
    CREDIT_LIST_ENTRY_RECORDED,
    CREDIT_PROFILE_CHANGED,
    CREDIT_RISK_FLAGGED,
    DELIVERY_STATUS,
    DEPARTMENT_DECIDED,
    DEPARTMENT_STATUS,
    DEREGISTRATION_STATUS,
    HELPDESK_ANSWERED,
    HELPDESK_QUESTION,
    PERMIT_NOTICE,
    PERMIT_STATUS,
    PERMIT_SUBMITTED,
    PERSONAL_DATA_READ,
    POLICY_PUBLISHED,
    REGISTRATION_ACCESS_REVOKED,
    REGISTRATION_COMPLETED,
    REGISTRATION_WITHDRAWN,
    REMINDER_DUE,
    SERVICE_STARTED,
    corrected_topic,
    helpdesk_asked_topic,
    submitted_topic,
)
from contracts.topology import TOPOLOGY, Topology

# An older payload (parsed JSON) → the current one; keyed by the older `event_type`.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
Decoder = Callable[[bytes], Any]

SHARED_EVENTS: Mapping[str, type[BaseModel]] = {
    DEPARTMENT_STATUS: DepartmentStatusChanged,
    DEPARTMENT_DECIDED: DepartmentDecided,
    REGISTRATION_COMPLETED: RegistrationCompleted,
    REGISTRATION_WITHDRAWN: RegistrationWithdrawn,
    REGISTRATION_ACCESS_REVOKED: RegistrationAccessRevoked,
    REMINDER_DUE: ReminderDue,
    POLICY_PUBLISHED: PolicyPublished,
    PERSONAL_DATA_READ: PersonalDataRead,
    CREDIT_LIST_ENTRY_RECORDED: CreditListEntryRecorded,
    CREDIT_PROFILE_CHANGED: CreditProfileChanged,
    CREDIT_RISK_FLAGGED: CreditRiskFlagged,
    DELIVERY_STATUS: DeliveryStatusChanged,
    DEREGISTRATION_STATUS: DeregistrationStatusChanged,
    ANNUAL_REPORT_STATUS: AnnualReportStatusChanged,
    PERMIT_NOTICE: PermitNoticed,
    PERMIT_SUBMITTED: PermitSubmitted,
    PERMIT_STATUS: PermitStatusChanged,
    HELPDESK_QUESTION: HelpdeskQuestionChanged,
    HELPDESK_ANSWERED: HelpdeskQuestionAnswered,
    CHANGE_DECIDED: ChangeDecided,
    CHANGE_STATUS: ChangeStatusChanged,
    SERVICE_STARTED: ServiceStarted,  # internal: for the operators' dashboard
}


@dataclass(frozen=True)
class EventRegistry:
    topology: Topology = TOPOLOGY
    upcasters: Mapping[str, Upcaster] = field(default_factory=dict)

    @cached_property
    def events(self) -> dict[str, type[BaseModel]]:
        """{topic: model}: the shared topics, then each recipient's own view of the form."""
        return {
            **SHARED_EVENTS,
            **{
                topic: model
                for recipient, paths in self.topology.projections.items()
                for topic, model in (
                    (submitted_topic(recipient), submitted_event(recipient, paths)),
                    (corrected_topic(recipient), corrected_event(recipient, paths)),
                )
            },
            **{
                helpdesk_asked_topic(d.name): asked_event(d.name) for d in self.topology.departments
            },
        }

    @cached_property
    def sharing(self) -> dict[str, tuple[type[BaseModel], ...]]:
        """{topic: more models on it}: a registered enterprise's change (变更登记) travels on the
        department's amendment topic beside corrections (`changed_event_type` says why)."""
        return {
            corrected_topic(d.name): (changed_event(d.name, d.projection),)
            for d in self.topology.departments
        }

    def models_on(self, topic: str) -> tuple[type[BaseModel], ...]:
        return (self.events[topic], *self.sharing.get(topic, ()))

    def decoder(self, topics: Iterable[str]) -> Decoder:
        """Bytes from any of `topics` → its event, by `event_type`; unknown topics are an error."""
        models = tuple(dict.fromkeys(m for topic in topics for m in self.models_on(topic)))
        union: Any = Union[models]  # noqa: UP007 - built at run time from the topics' models
        kind: Any = (
            models[0] if len(models) == 1 else Annotated[union, Field(discriminator="event_type")]
        )
        adapter: TypeAdapter[Any] = TypeAdapter(kind)
        if not self.upcasters:
            return cast("Decoder", adapter.validate_json)
        upcasters = self.upcasters

        def decode(raw: bytes) -> Any:  # noqa: ANN401 - one of the topics' events
            payload = json.loads(raw)
            kind = payload.get("event_type") if isinstance(payload, dict) else None
            upcast = upcasters.get(kind) if isinstance(kind, str) else None
            return adapter.validate_json(json.dumps(upcast(payload)) if upcast else raw)

        return decode


REGISTRY = EventRegistry()


def decoder_for_subscription(consumer: str, topology: Topology = TOPOLOGY) -> Decoder:
    """The decoder of what `consumer`'s subscription reads, from the registry."""
    registry = REGISTRY if topology is TOPOLOGY else EventRegistry(topology)
    return registry.decoder(topology.subscription_for(consumer).topics)
