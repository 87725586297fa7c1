"""The helpdesk (在线咨询, 政企直通车): an enterprise's question to a department, the officer's
reply within a time limit, and the enterprise's rating of it (企业满意度评分).

The question's words go to the department asked and to no other: on that department's own
topic, `helpdesk.asked.<department>.v1`. Its officers reply in the department's service (with
the department's own officer key), and the reply's words go back to the notifier on
`helpdesk.answered.v1`. Every step is also a `helpdesk.question.v1` fact with no words at all
(asked, answered, rated with its score), which the timeline and anyone else may read. All are
keyed by the enterprise's registration.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any, Literal

from pydantic import AwareDatetime, Field, create_model

from contracts.events import DepartmentName, Envelope
from contracts.topics import helpdesk_asked_topic

REPLY_WORKING_DAYS = 2  # a department replies within two working days (限时答复)


class QuestionState(StrEnum):
    ASKED = "asked"  # in the department's queue, with its reply deadline
    ANSWERED = "answered"  # an officer replied
    RATED = "rated"  # the enterprise rated the reply, 1 to 5


QUESTION_STATE_TEXT = {
    QuestionState.ASKED: ("咨询已提交，等待部门答复", "question sent; waiting for the department"),
    QuestionState.ANSWERED: ("部门已答复", "the department replied"),
    QuestionState.RATED: ("已评价答复", "reply rated"),
}


class HelpdeskQuestionAsked(Envelope):
    """A question for one department, with its words and its reply deadline."""

    event_type: str = Field(default="helpdesk.asked", pattern=r"^helpdesk\.asked(\.[a-z_]+\.v1)?$")
    question_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    department: DepartmentName
    text: str = Field(min_length=1, max_length=1000, description="the question, as asked")
    due_at: AwareDatetime = Field(description="the reply is due by")


@cache
def asked_event(department: str) -> type[HelpdeskQuestionAsked]:
    """The question as one department's topic carries it (its own `event_type`)."""
    topic = helpdesk_asked_topic(department)
    literal: Any = Literal[topic]  # a type made at run time
    name = "".join(part.title() for part in department.split("_"))
    return create_model(
        f"HelpdeskQuestionAskedOf{name}",
        __base__=HelpdeskQuestionAsked,
        __doc__=f"A question for {department}, with its words and its reply deadline.",
        event_type=(literal, topic),
    )


class HelpdeskQuestionAnswered(Envelope):
    """A department's reply, with its words: for the notifier, which shows it to the enterprise."""

    event_type: Literal["helpdesk.answered.v1"] = "helpdesk.answered.v1"
    question_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    department: DepartmentName
    text: str = Field(min_length=1, max_length=2000, description="the reply")


class HelpdeskQuestionChanged(Envelope):
    """A question moved on: asked, answered or rated."""

    event_type: Literal["helpdesk.question.v1"] = "helpdesk.question.v1"
    question_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    department: DepartmentName = Field(description="the department asked")
    state: QuestionState
    due_at: AwareDatetime | None = Field(default=None, description="asked: reply due by")
    score: int | None = Field(default=None, ge=1, le=5, description="rated: 1 (poor) to 5")
