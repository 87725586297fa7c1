"""A department service: the shared host, the department's subscriber, jobs and officer desk."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.host import Runtime, create_service_app
from service_runtime.settings import DepartmentSettings
from services.department.handlers import DepartmentHost, open_desk
from services.department.http import router as officer_router
from services.department.kit import DepartmentSpec


def create_department_app(settings: DepartmentSettings, spec: DepartmentSpec) -> FastAPI:
    async def bootstrap(runtime: Runtime[DepartmentSettings]) -> DepartmentHost:
        desk = await open_desk(runtime, spec)
        return DepartmentHost(runtime, {spec.name: desk} if desk else {})

    return create_service_app(
        settings, bootstrap, routers=[officer_router], title=f"department {spec.name}"
    )
