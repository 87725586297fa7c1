"""The credit department as its own service."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.settings import DepartmentSettings
from services.credit.rules import CREDIT
from services.department.app import create_department_app


def create_app(settings: DepartmentSettings) -> FastAPI:
    return create_department_app(settings, CREDIT)
