"""Each department's approval form, generated from the one form: only the fields it needs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from contracts.form import RegistrationForm
from contracts.form_paths import nested_model
from contracts.projections import project
from contracts.topology import TOPOLOGY
from service_runtime.problems import Problem
from services.registration.access_renewal import require_current_token
from services.registration.documents import Document, html_response, render_pdf
from services.registration.parts import Parts

router = APIRouter(tags=["forms"])


def _label(model: type[BaseModel] | None, key: str) -> tuple[str, type[BaseModel] | None]:
    field = model.model_fields.get(key) if model else None
    if field is None:
        return key, None
    return (field.description or key).split(" ")[0], nested_model(field)


def rows(
    value: object, model: type[BaseModel] | None = RegistrationForm, prefix: str = ""
) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for key, item in value.items():
            label, nested = _label(model, key)
            out += rows(
                item,
                nested,
                f"{prefix}{label} / " if isinstance(item, dict | list) else f"{prefix}{label}",
            )
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [r for i, item in enumerate(value, 1) for r in rows(item, model, f"{prefix}{i} · ")]
    if isinstance(value, list):
        return [(prefix.rstrip(" /"), "；".join(str(v) for v in value))]
    return [(prefix.rstrip(" /"), "" if value is None else str(value))]


@router.get("/api/v1/registrations/{registration_id}/forms/{department}", response_model=None)
async def department_form(
    parts: Parts,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    department: Annotated[str, Path(pattern=r"^[a-z][a-z_]{1,30}$")],
    authorization: Annotated[str | None, Header()] = None,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "html",  # noqa: A002 - public name
) -> Response:
    """The approval form one department receives, generated from the one form."""
    await require_current_token(parts, registration_id, authorization)
    if department not in TOPOLOGY.by_name:
        raise Problem(404, "unknown_department")
    forms = await parts.registrations.forms([registration_id])
    if registration_id not in forms:
        raise Problem(404, "registration_not_found")
    projected = project(forms[registration_id], TOPOLOGY.projections[department])
    if format == "json":
        return JSONResponse(
            {"registration_id": registration_id, "department": department, "form": projected}
        )
    label = TOPOLOGY.label_zh(department)
    document = Document(
        title_zh=f"{label}审批表",
        title_en=f"Approval form for {department}, generated from the comprehensive form",
        rows=[("登记编号", registration_id), *rows(projected)],
        footer="本表由《综合信息表》自动生成，仅含本部门所需字段（数据最小化）。",
    )
    if format == "pdf":
        return Response(render_pdf(document), media_type="application/pdf")
    return html_response(document)
