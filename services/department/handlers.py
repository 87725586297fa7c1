"""Thin subscriber and jobs: facts in, the case advanced and stored with its events, events relayed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from contracts.changes import RegistrationChanged
from contracts.deregistration import DeregistrationStatusChanged
from contracts.events import (
    DepartmentDecided,
    DepartmentStatusChanged,
    RegistrationCompleted,
    RegistrationCorrected,
    RegistrationSubmitted,
    RegistrationWithdrawn,
)
from contracts.helpdesk import HelpdeskQuestionAsked
from contracts.permits import PermitSubmitted
from contracts.registry import decoder_for_subscription
from contracts.topology import TOPOLOGY, Topology
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.settings import DepartmentSettings
from service_runtime.working_days import due_at
from services.department.case import Case, snapshot
from services.department.changes import ChangeDesk, when_changed_decide
from services.department.clock_jobs import (
    announce_lasting_waits,
    check_deadlines,
    run_clock_forever,
)
from services.department.closing import close_records, is_deregistration_approved
from services.department.extension import Screen, Screened
from services.department.helpdesk import HelpdeskQueue, when_asked_queue_it
from services.department.kit import DepartmentSpec
from services.department.lifecycle import NOTHING_FOUND, Lifecycle
from services.department.permits import PermitDesk, when_permit_submitted_open_case
from services.department.reads import ReadLog
from services.department.side_desks import one_after_another, with_side_desks
from services.department.store import CaseEvent, CaseStore, MongoCaseStore

log = structlog.get_logger("department")
FormEvent = RegistrationSubmitted | RegistrationCorrected
Clock = Callable[[], datetime]
AnyEvent = (
    FormEvent
    | DepartmentDecided
    | DepartmentStatusChanged
    | RegistrationCompleted
    | RegistrationWithdrawn
    | DeregistrationStatusChanged
    | PermitSubmitted
    | HelpdeskQuestionAsked
    | RegistrationChanged
)


@dataclass(frozen=True)
class DepartmentDesk:
    """Everything the officer endpoints and jobs of one department need."""

    spec: DepartmentSpec
    lifecycle: Lifecycle
    store: MongoCaseStore
    clock: Clock
    time_limit_working_days: int
    deemed_approval: bool
    reads: ReadLog | None = None  # officers' reads of the form, shown to the enterprise
    permits: PermitDesk | None = None  # a competent department's post-licence permits
    helpdesk: HelpdeskQueue | None = None  # the enterprises' questions to it (在线咨询)
    changes: ChangeDesk | None = None  # registered enterprises' changes (变更登记) it decides


@dataclass(frozen=True)
class DepartmentHost:
    """The parts of a service that hosts department desks: what its officer endpoints need."""

    runtime: Runtime[DepartmentSettings]
    desks: Mapping[str, DepartmentDesk]
    # The parts of the department's extension, if it has one (services/department/extension.py).
    extension: object | None = field(default=None, kw_only=True)


def when_registration_or_prerequisite_changes_decide(
    lifecycle: Lifecycle,
    store: CaseStore,
    clock: Clock,
    time_limit: int,
    screen: Screen | None = None,
) -> Callable[[Sequence[Decoded[AnyEvent]]], Awaitable[None]]:
    def relevant(event: AnyEvent) -> bool:
        if isinstance(event, RegistrationSubmitted | RegistrationWithdrawn | RegistrationCorrected):
            return True
        if is_deregistration_approved(event):
            return True
        return isinstance(event, DepartmentDecided) and event.department in lifecycle.waits_for

    async def handle(batch: Sequence[Decoded[AnyEvent]]) -> None:
        events = [item.event for item in batch if relevant(item.event)]
        if not events:
            return
        # A form's first delivery opens the case: nothing to look up (see VersionedCollection).
        first_seen = {e.registration_id for e in events if isinstance(e, RegistrationSubmitted)}
        loaded = await store.load(
            list(dict.fromkeys(e.registration_id for e in events)), presumed_new=first_seen
        )
        before = {rid: snapshot(current.case) for rid, current in loaded.items()}
        forms = [(e.registration_id, e.form) for e in events if isinstance(e, FormEvent)]
        findings = await screen(forms) if screen and forms else {}  # credit's list look-up
        now = clock()
        due = due_at(now, time_limit)  # one clock per batch: one statutory deadline
        emitted: dict[str, list[CaseEvent]] = {rid: [] for rid in loaded}
        for event in events:
            case = loaded[event.registration_id].case
            found = findings.get(event.registration_id, NOTHING_FOUND)
            emitted[case.registration_id] += _advance(
                lifecycle, case, event, now, due=due, found=found
            )
        # Save every case that changed, even silently (a prerequisite noted before the form).
        changes = {
            rid: (current, emitted[rid])
            for rid, current in loaded.items()
            if snapshot(current.case) != before[rid]
        }
        stored = await store.save(list(changes.values()))
        name = lifecycle.spec.name
        for rid, (current, _) in changes.items():
            log.info(
                "case_advanced", department=name, registration_id=rid, status=current.case.status
            )
        await store.publish(stored)

    return handle


def _advance(  # noqa: PLR0913 - one transition's inputs
    lifecycle: Lifecycle,
    case: Case,
    event: AnyEvent,
    now: datetime,
    *,
    due: datetime,
    found: Screened,
) -> Sequence[CaseEvent]:
    """The one transition this event triggers on its case."""
    if isinstance(event, RegistrationSubmitted):
        return lifecycle.on_form(case, event, now, due, found)
    if isinstance(event, RegistrationCorrected):
        return lifecycle.on_corrected(case, event, now, due, found)
    if isinstance(event, RegistrationWithdrawn):
        return lifecycle.on_withdrawn(case, now, lapsed=event.lapsed)
    if isinstance(event, DeregistrationStatusChanged):
        return close_records(case, event, lifecycle.spec.name, now)
    assert isinstance(event, DepartmentDecided)  # noqa: S101 - filtered by `relevant`
    return lifecycle.on_prerequisite(case, event, now)


def build_desk(
    settings: DepartmentSettings,
    spec: DepartmentSpec,
    store: MongoCaseStore,
    clock: Clock,
    topology: Topology = TOPOLOGY,
) -> DepartmentDesk:
    default_limit = topology.by_name[spec.name].time_limit_working_days
    return DepartmentDesk(
        spec=spec,
        lifecycle=Lifecycle(
            spec,
            topology,
            timedelta(milliseconds=settings.waiting_announce_after_ms),
            _routing(settings.credit_routing.get(spec.name)),
        ),
        store=store,
        clock=clock,
        time_limit_working_days=settings.department_time_limits.get(spec.name, default_limit),
        deemed_approval=spec.name in settings.deemed_approval_departments,
    )


def _routing(configured: Mapping[Any, str] | None) -> dict[str, str] | None:
    return None if configured is None else {str(k): str(v) for k, v in configured.items()}


def subscribe_department(
    runtime: Runtime[DepartmentSettings],
    desk: DepartmentDesk,
    store: CaseStore,
    screen: Screen | None = None,
) -> None:
    topology = desk.lifecycle.topology
    decide = when_registration_or_prerequisite_changes_decide(
        desk.lifecycle, store, desk.clock, desk.time_limit_working_days, screen
    )
    handlers = [decide]
    if desk.permits is not None:
        handlers.append(when_permit_submitted_open_case(desk.permits, desk.clock))
    if desk.helpdesk is not None:
        handlers.append(when_asked_queue_it(desk.helpdesk))
    if desk.changes is not None:
        handlers.append(when_changed_decide(desk.changes, desk.spec, screen, desk.clock))
    runtime.subscribe_batches(
        topology.subscription_for(desk.spec.name),
        decode=decoder_for_subscription(desk.spec.name, topology),
        handle=one_after_another(handlers),
        name=f"when_registration_or_prerequisite_changes_decide_{desk.spec.name}",
    )


async def open_desk(
    runtime: Runtime[DepartmentSettings],
    spec: DepartmentSpec,
    clock: Clock | None = None,
    screen: Screen | None = None,
) -> DepartmentDesk | None:
    """The department's desk, its consumer and its clocks; None if an outside system decides."""
    if spec.name in runtime.settings.disabled_departments:
        log.warning("department_disabled", department=spec.name)
        return None
    database = runtime.database(spec.name)
    store = MongoCaseStore(
        database, spec.name, runtime.outbox_relay(database, MongoCaseStore.collection_name)
    )
    await store.create_indexes()
    desk = build_desk(runtime.settings, spec, store, clock or (lambda: datetime.now(UTC)))
    reads = database[ReadLog.collection_name]
    desk = replace(desk, reads=ReadLog(reads, runtime.outbox_relay(database, reads.name)))
    desk = await with_side_desks(runtime, database, desk)
    subscribe_department(runtime, desk, store, screen)
    interval = runtime.settings.deadline_check_interval_ms / 1000
    runtime.background.append(lambda: run_clock_forever(desk, check_deadlines, interval))
    if desk.lifecycle.waits_for:
        every = runtime.settings.waiting_announce_after_ms / 2000
        runtime.background.append(lambda: run_clock_forever(desk, announce_lasting_waits, every))
    return desk
