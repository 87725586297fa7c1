"""Topic names: dotted, past-tense facts with a version. Dead letters go to `<topic>.dlq`."""

from typing import Final

REGISTRATION_SUBMITTED: Final = "registration.submitted.v1"
DEPARTMENT_STATUS: Final = "department.status.v1"
REGISTRATION_COMPLETED: Final = "registration.completed.v1"
REGISTRATION_WITHDRAWN: Final = "registration.withdrawn.v1"
REGISTRATION_CORRECTED: Final = "registration.corrected.v1"

ALL_TOPICS: Final = (
    REGISTRATION_SUBMITTED,
    DEPARTMENT_STATUS,
    REGISTRATION_COMPLETED,
    REGISTRATION_WITHDRAWN,
    REGISTRATION_CORRECTED,
)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
