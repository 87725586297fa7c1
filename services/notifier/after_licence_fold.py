"""What happens beside and after the registration, folded into the timeline: the paper
licence's delivery, post-licence permits, annual reports, simplified deregistration, the
helpdesk's questions and changes (变更登记). Each keeps its latest state in a field of its own and adds an entry; none
changes the registration's own progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from contracts.annual_report import AnnualReportStatusChanged
from contracts.changes import ChangeDecided, ChangeStatusChanged
from contracts.delivery import DeliveryStatusChanged
from contracts.deregistration import DeregistrationStatusChanged
from contracts.helpdesk import HelpdeskQuestionChanged
from contracts.permits import PermitNoticed, PermitStatusChanged, PermitSubmitted
from contracts.topology import Topology
from services.notifier.annual_report_view import annual_report_entry, latest_annual_reports
from services.notifier.change_view import ChangeEvent, change_entry, latest_changes
from services.notifier.delivery_view import delivery_entry, latest_delivery
from services.notifier.deregistration_view import deregistration_entry, latest_deregistration
from services.notifier.helpdesk_view import latest_questions, question_entry
from services.notifier.permit_view import PermitEvent, latest_permits, permit_entry

if TYPE_CHECKING:  # the timeline module imports this one
    from services.notifier.timeline import Timeline

AfterLicenceEvent = (
    DeliveryStatusChanged
    | DeregistrationStatusChanged
    | AnnualReportStatusChanged
    | PermitEvent
    | HelpdeskQuestionChanged
    | ChangeEvent
)
AFTER_LICENCE_EVENTS = (
    DeliveryStatusChanged,
    DeregistrationStatusChanged,
    AnnualReportStatusChanged,
    PermitNoticed,
    PermitSubmitted,
    PermitStatusChanged,
    HelpdeskQuestionChanged,
    ChangeStatusChanged,
    ChangeDecided,
)


def fold_after_licence(
    timeline: Timeline, event: AfterLicenceEvent, at: datetime, topology: Topology
) -> dict[str, Any]:
    """Update the event's own field; return its entry's fields."""
    if isinstance(event, DeliveryStatusChanged):
        timeline.delivery = latest_delivery(timeline.delivery, event, at)
        return delivery_entry(event)
    if isinstance(event, AnnualReportStatusChanged):
        timeline.annual_reports = latest_annual_reports(timeline.annual_reports, event)
        return annual_report_entry(event)
    if isinstance(event, HelpdeskQuestionChanged):
        timeline.questions = latest_questions(timeline.questions, event)
        return question_entry(event)
    if isinstance(event, ChangeStatusChanged | ChangeDecided):
        timeline.changes = latest_changes(timeline.changes, event)
        return change_entry(event)
    if isinstance(event, DeregistrationStatusChanged):
        timeline.deregistration = latest_deregistration(timeline.deregistration, event, at)
        return deregistration_entry(event, topology)
    timeline.permits = latest_permits(timeline.permits, event)
    return permit_entry(event)
