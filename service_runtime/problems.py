"""Bilingual error bodies, and handlers so no client error ever surfaces as a 5xx."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger("http")

_STATUS_TEXT = {
    400: ("请求格式错误", "bad request"),
    401: ("缺少或无效的访问令牌", "missing or invalid access token"),
    403: ("无权执行该操作或访问该数据", "this token does not allow that"),
    404: ("未找到", "not found"),
    405: ("不支持该请求方法", "method not allowed"),
    413: ("请求体过大", "request body too large"),
    409: ("与当前状态冲突", "conflicts with the current state"),
    415: ("请使用 application/json", "content type must be application/json"),
    422: ("提交内容未通过校验", "the submission failed validation"),
    429: ("请求过于频繁，请稍后再试", "too many requests, please try again later"),
    500: ("服务内部错误，请稍后重试", "internal error, please retry later"),
    503: ("服务暂不可用", "service unavailable"),
}


class Problem(Exception):  # noqa: N818 - it is a problem document, not only an error
    def __init__(
        self, status: int, code: str, errors: list[dict[str, Any]] | None = None, **extra: object
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.errors = errors or []
        self.extra = extra


def problem_response(
    status: int, code: str, errors: list[dict[str, Any]] | None = None, **extra: object
) -> JSONResponse:
    zh, en = _STATUS_TEXT.get(status, _STATUS_TEXT[400])
    body: dict[str, Any] = {
        "code": code,
        "message_zh": zh,
        "message_en": en,
        "errors": errors or [],
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)  # noqa: S101 - registered for Problem only
        response = problem_response(exc.status, exc.code, exc.errors, **exc.extra)
        if "retry_after" in exc.extra:
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        return problem_response(exc.status_code, f"http_{exc.status_code}")

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        errors = [
            {
                "path": ".".join(str(p) for p in e["loc"]),
                "rule": e["type"],
                "message_en": e["msg"],
                "message_zh": "参数不正确",
            }
            for e in exc.errors()
        ]
        return problem_response(422, "invalid_request", errors)

    async def on_unreachable(request: Request, exc: Exception) -> JSONResponse:
        # A dropped database connection is not the client's fault and not a defect: every write
        # behind an endpoint is idempotent (by Idempotency-Key or id), so a retry is safe.
        log.warning("dependency_unreachable", path=request.url.path, error=type(exc).__name__)
        response = problem_response(
            503,
            "dependency_unavailable",
            [
                {
                    "path": "",
                    "rule": "database_reachable",
                    "message_zh": "数据库连接暂时中断，请稍后用相同的请求（及 Idempotency-Key）重试",
                    "message_en": "the database connection dropped; retry the same request "
                    "(with the same Idempotency-Key)",
                }
            ],
        )
        response.headers["Retry-After"] = "1"
        return response

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", exc_info=exc, path=request.url.path, error=repr(exc))
        return problem_response(500, "internal_error")

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ConnectionFailure, on_unreachable)
    app.add_exception_handler(Exception, on_unexpected)


def require_registration_token(
    secret: str, registration_id: str, authorization: str | None
) -> None:
    """401 without a bearer token, 403 with the token of another registration."""
    from service_runtime.access import bearer_token, token_grants  # noqa: PLC0415 - avoids a cycle

    token = bearer_token(authorization)
    if token is None:
        raise Problem(401, "missing_token")
    if not token_grants(secret, registration_id, token):
        raise Problem(403, "token_not_for_registration")
