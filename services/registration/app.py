"""The registration service: HTTP intake, its outbox relay, and the market department."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from service_runtime.host import Runtime, create_service_app
from service_runtime.ratelimit import RateLimit
from service_runtime.settings import RegistrationSettings
from services.department.handlers import open_desk
from services.department.helpdesk_http import router as helpdesk_router
from services.department.http import router as officer_router
from services.department.permit_http import router as permit_router
from services.registration.access_renewal import router as access_router
from services.registration.after_licence import open_after_licence
from services.registration.annual_report import router as annual_report_router
from services.registration.annual_reports import AnnualReportStore
from services.registration.change import router as change_router
from services.registration.corrections import router as corrections_router
from services.registration.delivery import router as delivery_router
from services.registration.department_forms import router as forms_router
from services.registration.deregistration import router as deregistration_router
from services.registration.deregistrations import DeregistrationStore
from services.registration.http import FORM_COMPONENTS, router
from services.registration.lapse import lapse_forever
from services.registration.licence_http import router as licence_router
from services.registration.market import MARKET
from services.registration.orders import open_deliveries
from services.registration.parts import RegistrationParts
from services.registration.permit import router as permit_submission_router
from services.registration.reactions import subscribe_reactions
from services.registration.scope import router as catalogue_router
from services.registration.store import MongoRegistrationStore
from services.registration.withdrawal import router as withdrawal_router


async def bootstrap(runtime: Runtime[RegistrationSettings]) -> RegistrationParts:
    """The intake and its outbox, the market's desk, then the reactions that read the market's
    record to issue licences."""
    database = runtime.database("registration")
    relay = runtime.outbox_relay(database, MongoRegistrationStore.collection_name)
    store = MongoRegistrationStore(database, relay)
    await store.create_indexes()
    days = runtime.settings.name_reservation_days
    runtime.background.append(lambda: lapse_forever(store, lambda: datetime.now(UTC), days))
    market = await open_desk(runtime, MARKET)
    licences, permits, changes = subscribe_reactions(runtime, store, market)
    await permits.create_indexes()
    settings = runtime.settings
    return RegistrationParts(
        runtime=runtime,
        desks={} if market is None else {MARKET.name: market},
        registrations=store,
        licences=licences,
        public_limit=RateLimit(
            runtime.settings.public_rate_limit_per_minute, name="public lookups"
        ),
        deliveries=await open_deliveries(runtime),
        permits=permits,
        changes=changes,
        deregistrations=await open_after_licence(
            runtime, licences, DeregistrationStore, settings.deregistration_check_seconds
        ),
        annual_reports=await open_after_licence(
            runtime, licences, AnnualReportStore, settings.annual_report_check_seconds
        ),
    )


def create_app(settings: RegistrationSettings) -> FastAPI:
    app = create_service_app(
        settings,
        bootstrap,
        routers=[
            router,
            catalogue_router,
            corrections_router,
            change_router,
            withdrawal_router,
            access_router,
            forms_router,
            licence_router,
            officer_router,
            permit_router,
            helpdesk_router,
            delivery_router,
            deregistration_router,
            annual_report_router,
            permit_submission_router,
        ],
        title="Enterprise Page registration",
    )
    publish_form_schemas(app)
    return app


def publish_form_schemas(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {}).update(FORM_COMPONENTS)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
