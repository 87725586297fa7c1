"""A department service: the shared host, the department's subscriber, jobs and officer desk."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.host import Runtime, create_service_app
from service_runtime.settings import DepartmentSettings
from services.department.handlers import DepartmentHost, open_desk
from services.department.helpdesk_http import router as helpdesk_router
from services.department.http import router as officer_router
from services.department.kit import DepartmentSpec
from services.department.permit_http import router as permit_router


def create_department_app(settings: DepartmentSettings, spec: DepartmentSpec) -> FastAPI:
    async def bootstrap(runtime: Runtime[DepartmentSettings]) -> DepartmentHost:
        extended = await spec.extension.start(runtime) if spec.extension else None
        desk = await open_desk(runtime, spec, screen=extended.screen if extended else None)
        desks = {spec.name: desk} if desk else {}
        return DepartmentHost(runtime, desks, extension=extended.parts if extended else None)

    extra = spec.extension.routers if spec.extension else ()
    return create_service_app(
        settings,
        bootstrap,
        routers=[officer_router, permit_router, helpdesk_router, *extra],
        title=f"department {spec.name}",
    )
