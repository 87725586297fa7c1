"""Topic names: dotted, past-tense facts with a version. Dead letters go to `<topic>.dlq`."""

from typing import Final

REGISTRATION_SUBMITTED: Final = "registration.submitted.v1"
DEPARTMENT_STATUS: Final = "department.status.v1"
# Only the final decisions of departments that others wait for: a dependent reads this narrow
# fact, not every department's every status (which grows with the square of departments).
DEPARTMENT_DECIDED: Final = "department.decided.v1"
REGISTRATION_COMPLETED: Final = "registration.completed.v1"
REGISTRATION_WITHDRAWN: Final = "registration.withdrawn.v1"
REGISTRATION_CORRECTED: Final = "registration.corrected.v1"
REMINDER_DUE: Final = "reminder.due.v1"
POLICY_PUBLISHED: Final = "policy.published.v1"
# Internal to the notifier: "this registration's page changed", read by every instance.
PAGE_CHANGED: Final = "notifier.page-changed.v1"

# Public contracts: each has a JSON Schema and a dead-letter topic others may read.
CONTRACT_TOPICS: Final = (
    REGISTRATION_SUBMITTED,
    DEPARTMENT_STATUS,
    DEPARTMENT_DECIDED,
    REGISTRATION_COMPLETED,
    REGISTRATION_WITHDRAWN,
    REGISTRATION_CORRECTED,
    REMINDER_DUE,
    POLICY_PUBLISHED,
)
ALL_TOPICS: Final = (*CONTRACT_TOPICS, PAGE_CHANGED)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
