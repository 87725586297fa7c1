"""The commerce department as its own service."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.settings import DepartmentSettings
from services.commerce.rules import COMMERCE
from services.department.app import create_department_app


def create_app(settings: DepartmentSettings) -> FastAPI:
    return create_department_app(settings, COMMERCE)
