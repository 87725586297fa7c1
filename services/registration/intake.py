"""Turning request bytes into a validated form, or a 4xx that names every failing field."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from contracts.form import RegistrationForm
from contracts.form_rules import FORM_RULE_MESSAGES, ROOT_RULE_FIELD_PATHS
from service_runtime.problems import Problem

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

# Chinese messages for pydantic's own error types; named form rules carry their own.
_PYDANTIC_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少需要填写一项",
    "too_long": "项目过多",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "decimal_max_places": "小数位数过多",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "model_type": "应为对象",
    "list_type": "应为列表",
}


_BACKSLASH, _QUOTE = ord("\\"), ord('"')
_OPENERS, _CLOSERS = frozenset(b"[{"), frozenset(b"]}")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Scan nesting before parsing, so hostile depth never reaches the recursive parser."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSERS:
            depth -= 1
    return False


def parse_json_body(
    content_type: str | None,
    body: bytes,
    accepted: frozenset[str] = frozenset({"application/json"}),
) -> Any:  # noqa: ANN401 - any JSON
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in accepted:
        raise Problem(415, "unsupported_media_type")
    if len(body) > MAX_BODY_BYTES:
        raise Problem(413, "body_too_large", limit_bytes=MAX_BODY_BYTES)
    if json_depth_exceeds(body, MAX_JSON_DEPTH):
        raise Problem(400, "json_too_deep", limit_depth=MAX_JSON_DEPTH)
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise Problem(400, "malformed_json", detail=str(error)[:200]) from None


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    errors = []
    for e in error.errors(include_url=False):
        rule = e["type"]
        path = ".".join(str(p) for p in e["loc"]) or ROOT_RULE_FIELD_PATHS.get(rule, "")
        zh, en = FORM_RULE_MESSAGES.get(rule, (_PYDANTIC_ZH.get(rule, "填写内容不正确"), e["msg"]))
        errors.append({"path": path, "rule": rule, "message_zh": zh, "message_en": en})
    return errors


def validate_form(data: Any) -> RegistrationForm:  # noqa: ANN401 - any JSON
    try:
        return RegistrationForm.model_validate(data)
    except ValidationError as error:
        raise Problem(422, "form_invalid", field_errors(error)) from None
