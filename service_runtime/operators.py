"""Operators' authentication, shared by every service with operator endpoints.

An operator token is minted from OPERATOR_TOKEN_SECRET (tools.operator_token). The notifier's
dashboard and credit's list ingestion and inspection draws accept it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from service_runtime.access import bearer_token, read_operator_token
from service_runtime.auth_first import authenticated_first
from service_runtime.host import settings_of
from service_runtime.problems import Problem
from service_runtime.settings import OperatorTokenSettings


def require_operator(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    """The operator's id; endpoints with a body also run it first (`operator_first`)."""
    settings = settings_of(request, OperatorTokenSettings)
    token = bearer_token(authorization)
    if token is None:
        raise Problem(401, "operator_token_required")
    operator = read_operator_token(
        settings.operator_token_secret.get_secret_value(),
        token,
        max_hours=settings.operator_token_max_hours,
    )
    if operator is None:
        raise Problem(401, "operator_token_invalid")
    return operator


OperatorId = Annotated[str, Depends(require_operator)]
operator_first = authenticated_first(
    lambda request: require_operator(request, request.headers.get("authorization"))
)
