"""Each recipient's view of the one form, and the events that carry only that view.

The registration service publishes a submitted (and corrected) form once per recipient, on the
recipient's own topic, holding only the fields its `projection` names: the bank never receives
a shareholder's identity number, and no consumer group can read another recipient's topic by
accident. A projection keeps the form's shape (`{"enterprise": {"name": …}}`), so a
department's rules read it exactly as they would read the whole form.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Literal, get_args, get_origin
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, create_model

from contracts.changes import RegistrationChanged
from contracts.events import (
    RegistrationCorrected,
    RegistrationSubmitted,
)
from contracts.form import RegistrationForm
from contracts.topics import changed_event_type, corrected_topic, submitted_topic
from contracts.topology import TOPOLOGY, Topology

# A receiver keeps what its view names and drops anything else a producer might add, so a
# stored case never holds more than the department's own fields.
_VIEW_CONFIG = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


def project(form: RegistrationForm, paths: tuple[str, ...]) -> dict[str, Any]:
    """The fields `paths` name, in the form's own shape: {"enterprise": {"name": ...}}; a path
    into a list (`principal_officers.name`) keeps those fields of every item."""
    return _project(form.model_dump(mode="json"), paths)


def _project(data: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    heads: dict[str, list[str]] = {}
    for path in paths:
        head, _, rest = path.partition(".")
        heads.setdefault(head, []).append(rest)
    projected: dict[str, Any] = {}
    for head, rests in heads.items():
        value = data.get(head)
        if "" in rests or value is None:
            projected[head] = value
        elif isinstance(value, list):
            projected[head] = [_project(item, tuple(rests)) for item in value]
        else:
            projected[head] = _project(value, tuple(rests))
    return projected


def _view_model(model: type[BaseModel], paths: tuple[str, ...], name: str) -> type[BaseModel]:
    """`model` cut down to `paths`; a whole part is kept as it is (with its own checks)."""
    heads: dict[str, list[str]] = {}
    for path in paths:
        head, _, rest = path.partition(".")
        heads.setdefault(head, []).append(rest)
    fields: dict[str, Any] = {}
    for head, rests in heads.items():
        info = model.model_fields[head]  # a KeyError names a path the form does not have
        if "" in rests:
            fields[head] = (info.annotation, info)
            continue
        nested = info.annotation
        items = get_args(nested)[0] if get_origin(nested) is list else None
        narrowed = items or nested
        if not (isinstance(narrowed, type) and issubclass(narrowed, BaseModel)):
            msg = f"a projection can only narrow a part or a list of parts, not {head!r}"
            raise TypeError(msg)
        part = _view_model(narrowed, tuple(rests), name + head.title().replace("_", ""))
        fields[head] = (list[part] if items else part, Field(description=info.description))  # type: ignore[valid-type]
    return create_model(name, __config__=_VIEW_CONFIG, **fields)


@cache
def form_view(recipient: str, paths: tuple[str, ...]) -> type[BaseModel]:
    return _view_model(RegistrationForm, paths, f"{_camel(recipient)}FormView")


def _view_event(  # noqa: PLR0913, PLR0917 - one model's name, base, type, and the view it carries
    base: type[Any], name: str, doc: str, kind: str, recipient: str, paths: tuple[str, ...]
) -> Any:  # noqa: ANN401 - a model made at run time
    """`base` narrowed to one recipient: its own event type and its own view of the form."""
    return create_model(
        name,
        __base__=base,
        __doc__=doc,
        event_type=(_literal(kind), kind),
        form=(form_view(recipient, paths), Field(description=f"{recipient}'s view of the form")),
    )


@cache
def submitted_event(recipient: str, paths: tuple[str, ...]) -> type[RegistrationSubmitted]:
    doc = f"A form was submitted; only the fields {recipient} needs."
    name = f"RegistrationSubmittedTo{_camel(recipient)}"
    return _view_event(  # type: ignore[no-any-return]
        RegistrationSubmitted, name, doc, submitted_topic(recipient), recipient, paths
    )


@cache
def corrected_event(recipient: str, paths: tuple[str, ...]) -> type[RegistrationCorrected]:
    doc = f"The enterprise corrected its form (补正); only the fields {recipient} needs."
    name = f"RegistrationCorrectedFor{_camel(recipient)}"
    return _view_event(  # type: ignore[no-any-return]
        RegistrationCorrected, name, doc, corrected_topic(recipient), recipient, paths
    )


@cache
def changed_event(department: str, paths: tuple[str, ...]) -> type[RegistrationChanged]:
    doc = f"A registered enterprise's change (变更登记); only the fields {department} needs."
    name = f"RegistrationChangedFor{_camel(department)}"
    return _view_event(  # type: ignore[no-any-return]
        RegistrationChanged, name, doc, changed_event_type(department), department, paths
    )


def views_of_changed(
    event: RegistrationChanged, departments: tuple[str, ...], topology: Topology = TOPOLOGY
) -> list[tuple[str, RegistrationChanged]]:
    """One event for each department the change touches, with its own view of the new form, on
    its amendment topic (the one its corrections come on)."""
    fields = event.model_dump(exclude={"event_type", "form", "event_id"})
    return [
        (
            corrected_topic(name),
            changed_event(name, paths)(
                **fields,
                event_id=uuid5(event.event_id, name),
                form=project(event.form, paths),
            ),
        )
        for name, paths in topology.projections.items()
        if name in departments
    ]


def views_of_submitted(
    event: RegistrationSubmitted, topology: Topology = TOPOLOGY
) -> list[tuple[str, RegistrationSubmitted]]:
    """One event per recipient, each on its own topic with its own view of the form."""
    return _views(event, submitted_event, submitted_topic, topology)


def views_of_corrected(
    event: RegistrationCorrected, topology: Topology = TOPOLOGY
) -> list[tuple[str, RegistrationCorrected]]:
    return _views(event, corrected_event, corrected_topic, topology)


def _views(
    event: Any,  # noqa: ANN401 - a submitted or corrected form, the same way
    model_for: Callable[[str, tuple[str, ...]], type[Any]],
    topic_for: Callable[[str], str],
    topology: Topology,
) -> list[tuple[str, Any]]:
    fields = event.model_dump(exclude={"event_type", "form", "event_id"})
    return [
        (
            topic_for(recipient),
            model_for(recipient, paths)(
                **fields,
                event_id=recipient_event_id(event, recipient),
                form=project(event.form, paths),
            ),
        )
        for recipient, paths in topology.projections.items()
    ]


def recipient_event_id(
    event: RegistrationSubmitted | RegistrationCorrected, recipient: str
) -> UUID:
    """Each recipient's copy of one fact has its own id, derived: the same fact, the same ids."""
    return uuid5(event.event_id, recipient)


def _literal(value: str) -> Any:  # noqa: ANN401 - a type made at run time
    return Literal[value]


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.replace(".", "_").split("_"))
