"""The police department as its own service."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.settings import DepartmentSettings
from services.department.app import create_department_app
from services.police.rules import POLICE


def create_app(settings: DepartmentSettings) -> FastAPI:
    return create_department_app(settings, POLICE)
