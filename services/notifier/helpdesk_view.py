"""The helpdesk on the timeline: an entry per step, and each question's latest state."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from contracts.helpdesk import QUESTION_STATE_TEXT, HelpdeskQuestionChanged, QuestionState
from contracts.topology import TOPOLOGY

_STEP = {QuestionState.ASKED: 0, QuestionState.ANSWERED: 1, QuestionState.RATED: 2}


def question_entry(event: HelpdeskQuestionChanged) -> dict[str, Any]:
    zh, en = QUESTION_STATE_TEXT[event.state]
    return {
        "department": "helpdesk",
        "status": event.state.value,
        "sequence": _STEP[event.state],
        "question_id": event.question_id,
        "asked_department": event.department,
        "message_zh": f"咨询（{TOPOLOGY.label_zh(event.department)}）：{zh}",
        "message_en": f"Question ({TOPOLOGY.label_en(event.department)}): {en}",
    }


def latest_questions(
    current: dict[str, Any] | None, event: HelpdeskQuestionChanged
) -> dict[str, Any]:
    """Per question: the department, its furthest state, when the reply is due, the score."""
    questions = dict(current or {})
    question = dict(questions.get(event.question_id) or {"state": None})
    if question["state"] is None or _STEP[event.state] > _STEP[QuestionState(question["state"])]:
        question["state"] = event.state.value
    question["department"] = event.department
    if event.due_at is not None:
        question["due_at"] = event.due_at.astimezone(UTC).isoformat()
    if event.score is not None:
        question["score"] = event.score
    questions[event.question_id] = question
    return questions
