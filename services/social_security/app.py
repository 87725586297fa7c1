"""The social_security department as its own service."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.settings import DepartmentSettings
from services.department.app import create_department_app
from services.social_security.rules import SOCIAL_SECURITY


def create_app(settings: DepartmentSettings) -> FastAPI:
    return create_department_app(settings, SOCIAL_SECURITY)
