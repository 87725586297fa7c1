"""Who consumes what: the whole choreography in one table.

Adding a department is one `Department` row (plus its rules module); its subscription to the
submitted fact and its place in the completion rule follow from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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
    PAGE_CHANGED,
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
    SHARED_CONTRACT_TOPICS,
    corrected_topic,
    dead_letter_topic,
    helpdesk_asked_topic,
    submitted_topic,
)


@dataclass(frozen=True)
class Department:
    name: str
    label_zh: str
    label_en: str
    service: str  # the OS process that hosts it
    # Its service's default HTTP port when the department is a service of its own; None when
    # another service hosts its desk (registration hosts the market's).
    port: int | None = None
    waits_for: tuple[str, ...] = ()  # departments that must approve before this one issues
    time_limit_working_days: int = 1  # statutory limit (限时办结) for an officer's review
    required: bool = True  # must approve (or be not applicable) before completion
    # The form fields it receives (data minimisation), as dotted paths; nothing else reaches it.
    projection: tuple[str, ...] = ("enterprise.name",)
    # Credit-driven routing (信用分类监管): the credit classes of the applicant's related persons
    # and enterprises whose cases go to an officer instead of an instant approval. A department
    # that routes by credit waits for credit's decision, which carries that class.
    credit_routing: tuple[tuple[str, str], ...] = ()
    # It is the competent department of post-licence permits in the catalogue
    # (reference_data/permits.py): it reads the enterprises' filings and applications.
    decides_permits: bool = False


@dataclass(frozen=True)
class Subscription:
    consumer: str
    topics: tuple[str, ...]
    group_id: str
    # Topics whose records announce more for this group within milliseconds (a form, then the
    # prerequisite's decision or the departments' statuses): after one, the group polls briskly
    # for a moment (service_runtime/follow_ups.py).
    follow_ups_after: tuple[str, ...] = ()


DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "market",
        "市场监管（商事登记）",
        "Market regulation",
        service="registration",
        decides_permits=True,
        projection=(
            "enterprise",
            "legal_representative.name",
            "principal_officers",
            "shareholders",
            "consent",
        ),
    ),
    Department(
        "tax",
        "税务",
        "Tax",
        service="tax",
        port=8011,
        waits_for=("market", "credit"),
        # Invoices for an applicant whose related enterprises are at risk: an officer looks.
        credit_routing=(("C", "officer"), ("D", "officer")),
        projection=(
            "enterprise.name",
            "enterprise.type",
            "enterprise.address",
            "tax",
            "legal_representative",
        ),
    ),
    Department(
        "police",
        "公安（印章备案）",
        "Public security (seals)",
        service="police",
        port=8012,
        decides_permits=True,
        waits_for=("market",),
        projection=("enterprise.name", "enterprise.address", "legal_representative", "seals"),
    ),
    Department(
        "credit",
        "信用",
        "Credit",
        service="credit",
        port=8013,
        # Joint punishment screens every person of the enterprise (联合惩戒); the portrait and
        # the public credit query read the enterprise's particulars.
        # Names and identity numbers only: no mobile or email reaches it.
        projection=(
            "enterprise",
            "legal_representative.name",
            "legal_representative.id_type",
            "legal_representative.id_number",
            "principal_officers.role",
            "principal_officers.name",
            "principal_officers.id_type",
            "principal_officers.id_number",
            "shareholders",
            "employment.employee_count",
        ),
    ),
    Department(
        "social_security",
        "人社（就业参保登记）",
        "Human resources and social security",
        service="social_security",
        port=8014,
        decides_permits=True,
        waits_for=("market",),
        projection=("enterprise.name", "enterprise.address", "legal_representative", "employment"),
    ),
    Department(
        "commerce",
        "商务（外商投资信息报告）",
        "Commerce (foreign investment)",
        service="commerce",
        port=8015,
        decides_permits=True,
        time_limit_working_days=3,
        projection=("enterprise", "shareholders"),
    ),
    Department(
        "bank",
        "银行（预约开户）",
        "Bank account booking",
        service="bank",
        port=8016,
        waits_for=("market", "credit"),
        credit_routing=(("D", "officer"),),
        projection=("enterprise.name", "legal_representative", "bank_account"),
    ),
)


NOTIFIER = "notifier"
CREDIT_PORTRAITS = "credit.portraits"
NOTIFIER_AFTER_LICENCE = "notifier.after-licence"
REGISTRATION = "registration"
# The two services every deployment runs besides the departments, with their HTTP ports.
CORE_SERVICES: tuple[tuple[str, int], ...] = ((REGISTRATION, 8001), (NOTIFIER, 8002))
# What the notifier keeps of an enterprise (services/notifier/profile.py): enough to target
# policy notices and to reach the legal representative; no identity numbers, no shareholders.
NOTIFIER_PROJECTION = (
    "enterprise.name",
    "enterprise.type",
    "enterprise.area",
    "enterprise.industry_code",
    "enterprise.business_term_years",
    "employment.employee_count",
    "legal_representative.mobile",
    "legal_representative.email",
)


# What ends a department's case besides its own decision: the application withdrawn before
# completion, or the enterprise deregistered after it (each department closes its records).
REGISTRATION_ENDS = (REGISTRATION_WITHDRAWN, DEREGISTRATION_STATUS)


def form_topics(recipient: str) -> tuple[str, str]:
    """What the registration service tells one recipient about a form: its own views only."""
    return submitted_topic(recipient), corrected_topic(recipient)


def department_group(department: str) -> str:
    return f"department.{department}"


@dataclass(frozen=True)
class Topology:
    """The departments and, derived from them, who subscribes to what.

    What is derived and immutable (tuples, sets) is computed once: the timeline fold asks which
    departments are required for every event it applies (1% of the notifier's CPU when each
    ask built the tuple again).
    """

    departments: tuple[Department, ...]

    @cached_property
    def services(self) -> tuple[tuple[str, int], ...]:
        """Every service a deployment runs, with its default HTTP port: the one list that the
        local stack, the image's entry point and health check, and the manifests read."""
        own = tuple((d.service, d.port) for d in self.departments if d.port is not None)
        return (*CORE_SERVICES, *own)

    @property
    def by_name(self) -> dict[str, Department]:
        return {d.name: d for d in self.departments}

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.departments if d.required)

    def credit_routing(self, department: str) -> dict[str, str]:
        found = self.by_name.get(department)
        return dict(found.credit_routing) if found else {}

    def waits_for(self, department: str) -> tuple[str, ...]:
        found = self.by_name.get(department)
        return found.waits_for if found else ()

    @cached_property
    def prerequisites(self) -> frozenset[str]:
        """Departments some other department waits for: they also publish `department.decided`."""
        return frozenset(p for d in self.departments for p in d.waits_for)

    @property
    def projections(self) -> dict[str, tuple[str, ...]]:
        """Every recipient of the form and the fields it receives."""
        return {**{d.name: d.projection for d in self.departments}, NOTIFIER: NOTIFIER_PROJECTION}

    @cached_property
    def contract_topics(self) -> tuple[str, ...]:
        """Every public topic: the shared facts, each recipient's own form topics and each
        department's own helpdesk questions."""
        return (
            *SHARED_CONTRACT_TOPICS,
            *(t for recipient in self.projections for t in form_topics(recipient)),
            *(helpdesk_asked_topic(d.name) for d in self.departments),
        )

    @cached_property
    def all_topics(self) -> tuple[str, ...]:
        return (*self.contract_topics, PAGE_CHANGED, SERVICE_STARTED)

    def label_zh(self, department: str) -> str:
        """The department's Chinese name; an unknown department (a future one) by its id."""
        found = self.by_name.get(department)
        return found.label_zh if found else department

    def label_en(self, department: str) -> str:
        """The department's English name; an unknown department by its id."""
        found = self.by_name.get(department)
        return found.label_en if found else department

    @cached_property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return (
            *(
                Subscription(
                    consumer=d.name,
                    # Its own view of the form (submitted, corrected, or changed once registered:
                    # `changed_event_type`), the end of a registration (withdrawn, or the
                    # enterprise deregistered); a dependent also reads its prerequisites' final
                    # decisions, and only those; a competent department, the permits asked of it.
                    topics=(
                        *form_topics(d.name),
                        *REGISTRATION_ENDS,
                        *((DEPARTMENT_DECIDED,) if d.waits_for else ()),
                        *((PERMIT_SUBMITTED,) if d.decides_permits else ()),
                        helpdesk_asked_topic(d.name),  # the enterprises' questions to it
                    ),
                    group_id=department_group(d.name),
                    # A dependent's form is followed by its prerequisites' decisions.
                    follow_ups_after=form_topics(d.name) if d.waits_for else (),
                )
                for d in self.departments
            ),
            Subscription(
                # The registration authority reacts to departments: it issues the licence on
                # market approval, records correction requests, learns completion, and keeps
                # each post-licence permit's decision (a refused one may be submitted again),
                # and each department's decision on a change (the licence re-issued after all).
                consumer="registration",
                topics=(DEPARTMENT_STATUS, REGISTRATION_COMPLETED, PERMIT_STATUS, CHANGE_DECIDED),
                group_id="registration.status",
            ),
            Subscription(
                consumer=NOTIFIER,
                topics=(
                    *form_topics(NOTIFIER),
                    REGISTRATION_WITHDRAWN,
                    REGISTRATION_ACCESS_REVOKED,
                    DEPARTMENT_STATUS,
                    PERSONAL_DATA_READ,
                ),
                group_id="notifier.timeline",
                # A form is followed by every department's status.
                follow_ups_after=form_topics(NOTIFIER),
            ),
            Subscription(
                # Proactive push: reminders, policy notices, and the progress that needs the
                # enterprise to act or know (a correction asked, a refusal, the licence).
                consumer="notifier.notifications",
                topics=(REMINDER_DUE, POLICY_PUBLISHED, DEPARTMENT_STATUS, REGISTRATION_COMPLETED),
                group_id="notifier.notifications",
            ),
            Subscription(
                # The audit log (services/notifier/audit.py): every submission, decision,
                # correction, withdrawal, completion and policy notice, hash-chained.
                consumer="notifier.audit",
                topics=(
                    *form_topics(NOTIFIER),
                    REGISTRATION_WITHDRAWN,
                    DEPARTMENT_STATUS,
                    REGISTRATION_COMPLETED,
                    POLICY_PUBLISHED,
                ),
                group_id="notifier.audit",
            ),
            Subscription(
                # Credit portraits (services/credit/portraits.py): recomputed when a registration
                # completes or a source-list entry is stored; a missed annual report becomes an
                # abnormal-operations entry (services/credit/annual_reports.py).
                consumer=CREDIT_PORTRAITS,
                topics=(REGISTRATION_COMPLETED, CREDIT_LIST_ENTRY_RECORDED, ANNUAL_REPORT_STATUS),
                group_id="credit.portraits",
            ),
            Subscription(
                # Beside and after the registration, on the enterprise's timeline and page, off
                # the critical path: its credit (and the dashboard's class distribution), the
                # paper licence's delivery, its post-licence permits, its annual reports and its
                # simplified deregistration; the helpdesk's steps, and the departments' replies;
                # each change (变更登记) and the departments' decisions on it.
                # One group for all: each group polls the broker even when idle.
                consumer=NOTIFIER_AFTER_LICENCE,
                topics=(
                    CREDIT_PROFILE_CHANGED,
                    CREDIT_RISK_FLAGGED,
                    DELIVERY_STATUS,
                    PERMIT_NOTICE,
                    PERMIT_SUBMITTED,
                    PERMIT_STATUS,
                    ANNUAL_REPORT_STATUS,
                    DEREGISTRATION_STATUS,
                    HELPDESK_QUESTION,
                    HELPDESK_ANSWERED,
                    CHANGE_STATUS,
                    CHANGE_DECIDED,
                ),
                group_id="notifier.after-licence",
            ),
            Subscription(
                # The operators' dashboard counts each service's starts: a restart shows there.
                consumer="notifier.service_starts",
                topics=(SERVICE_STARTED,),
                group_id="notifier.service-starts",
            ),
            Subscription(
                # The operators' dashboard lists every dead letter and can re-drive it.
                consumer="notifier.dead_letters",
                topics=tuple(dead_letter_topic(t) for t in self.contract_topics),
                group_id="notifier.dead-letters",
            ),
        )

    def subscription_for(self, consumer: str) -> Subscription:
        return next(s for s in self.subscriptions if s.consumer == consumer)


TOPOLOGY = Topology(DEPARTMENTS)
