"""Topic names: dotted, past-tense facts with a version. Dead letters go to `<topic>.dlq`."""

from typing import Final

DEPARTMENT_STATUS: Final = "department.status.v1"
# Only the final decisions of departments that others wait for: a dependent reads this narrow
# fact, not every department's every status (which grows with the square of departments).
DEPARTMENT_DECIDED: Final = "department.decided.v1"
REGISTRATION_COMPLETED: Final = "registration.completed.v1"
REGISTRATION_WITHDRAWN: Final = "registration.withdrawn.v1"
# An enterprise renewed its access token; the notifier stops honouring the older ones.
REGISTRATION_ACCESS_REVOKED: Final = "registration.access-revoked.v1"
REMINDER_DUE: Final = "reminder.due.v1"
POLICY_PUBLISHED: Final = "policy.published.v1"
# An officer saw an enterprise's personal data (数据查阅记录): the enterprise is shown who and why.
PERSONAL_DATA_READ: Final = "personal-data.read.v1"
# Credit (contracts/credit.py): a source-list row stored, a portrait changed, a risk flagged.
CREDIT_LIST_ENTRY_RECORDED: Final = "credit.list-entry-recorded.v1"
CREDIT_PROFILE_CHANGED: Final = "credit.profile-changed.v1"
CREDIT_RISK_FLAGGED: Final = "credit.risk-flagged.v1"
# The paper licence and seals: picked up or posted (contracts/delivery.py).
DELIVERY_STATUS: Final = "delivery.status.v1"
# Simplified deregistration (简易注销): notice, objection, approval, each department's closure.
DEREGISTRATION_STATUS: Final = "deregistration.status.v1"
# Annual reports (企业年报): filed, or missed and listed as abnormal, then removed.
ANNUAL_REPORT_STATUS: Final = "annual-report.status.v1"
# Post-licence permits (contracts/permits.py): pushed to the competent department, the
# enterprise's filing, commitment or application, and the department's decision.
PERMIT_NOTICE: Final = "permit.notice.v1"
PERMIT_SUBMITTED: Final = "permit.submitted.v1"
PERMIT_STATUS: Final = "permit.status.v1"
# The helpdesk (contracts/helpdesk.py): each step of a question, without its words; the reply's
# words for the notifier (the question's own go to the department asked: `helpdesk_asked_topic`).
HELPDESK_QUESTION: Final = "helpdesk.question.v1"
HELPDESK_ANSWERED: Final = "helpdesk.answered.v1"
# Changes (contracts/changes.py): each department's decision, and each step of the change; the
# changed form itself goes only to the departments it touches, on their own amendment topic
# (`corrected_topic`, as `changed_event_type`).
CHANGE_DECIDED: Final = "change.decided.v1"
CHANGE_STATUS: Final = "change.status.v1"
# Internal to the notifier: "this registration's page changed", read by every instance.
PAGE_CHANGED: Final = "notifier.page-changed.v1"
# Internal: each service instance says it started; the operators' dashboard shows restarts.
SERVICE_STARTED: Final = "ops.service-started.v1"

# Public contracts every consumer may read: each has a JSON Schema and a dead-letter topic.
# The form itself travels only on each recipient's own topics (below); `contracts.topology`
# lists those with the rest.
SHARED_CONTRACT_TOPICS: Final = (
    DEPARTMENT_STATUS,
    DEPARTMENT_DECIDED,
    REGISTRATION_COMPLETED,
    REGISTRATION_WITHDRAWN,
    REGISTRATION_ACCESS_REVOKED,
    REMINDER_DUE,
    POLICY_PUBLISHED,
    PERSONAL_DATA_READ,
    CREDIT_LIST_ENTRY_RECORDED,
    CREDIT_PROFILE_CHANGED,
    CREDIT_RISK_FLAGGED,
    DELIVERY_STATUS,
    DEREGISTRATION_STATUS,
    ANNUAL_REPORT_STATUS,
    PERMIT_NOTICE,
    PERMIT_SUBMITTED,
    PERMIT_STATUS,
    HELPDESK_QUESTION,
    HELPDESK_ANSWERED,
    CHANGE_DECIDED,
    CHANGE_STATUS,
)


def submitted_topic(recipient: str) -> str:
    """A submitted form, as one recipient (a department, the notifier) may see it."""
    return f"registration.submitted.{recipient}.v1"


def corrected_topic(recipient: str) -> str:
    """A corrected form (补正), as one recipient may see it; for a department, also a registered
    enterprise's change (`changed_event_type`)."""
    return f"registration.corrected.{recipient}.v1"


def changed_event_type(department: str) -> str:
    """A registered enterprise's change (变更登记), as one department it touches sees it.

    It travels on the department's amendment topic (`corrected_topic`), beside corrections,
    not on a topic of its own: every topic a department's group reads is named in each of its
    fetches, and one more (rarely written) topic there cost 8-14 ms of CPU per registration and
    doubled the p99 at 10/s on the local broker (measured, docs/benchmark.md).
    """
    return f"registration.changed.{department}.v1"


def helpdesk_asked_topic(department: str) -> str:
    """A question's words, for the one department asked."""
    return f"helpdesk.asked.{department}.v1"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
