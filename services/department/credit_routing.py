"""Credit-driven routing (信用分类监管): instant approval or an officer, by credit class.

Credit's approval carries the worst credit class among the applicant's related persons and
enterprises (`related_credit_class`, services/credit/screening.py). A department that routes by
credit waits for that decision and, where the rules would approve at once, looks the class up
in its routing table: "officer" sends the case to an officer. The reason it records names the
rule and the class, either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.credit import RELATED_CREDIT_CLASS_ARTEFACT
from contracts.events import Reason

RULE = "credit_routing"


def related_class(prerequisites: Mapping[str, dict[str, Any]]) -> str | None:
    artefacts = prerequisites.get("credit", {}).get("artefacts", ())
    return next(
        (a["number"] for a in artefacts if a["kind"] == RELATED_CREDIT_CLASS_ARTEFACT), None
    )


def credit_route(routing: Mapping[str, str], prerequisites: Mapping[str, dict[str, Any]]) -> Reason:
    """Passed: approve at once; failed: an officer decides. Unknown class: approve at once."""
    found = related_class(prerequisites)
    if found is None:
        return Reason(
            rule=RULE,
            passed=True,
            message_zh="关联主体暂无信用评价，按信用分类监管规则秒批",
            message_en="no related person or enterprise has a credit rating: approved at once",
        )
    to_officer = routing.get(found, "instant") == "officer"
    return Reason(
        rule=RULE,
        passed=not to_officer,
        message_zh=f"关联主体信用类别为{found}类，按信用分类监管规则"
        + ("转人工审核" if to_officer else "秒批"),
        message_en=f"the related persons' and enterprises' credit class is {found}: "
        + ("an officer reviews (credit-driven routing)" if to_officer else "approved at once"),
    )
