"""The delivery store and, when a carrier is configured, its dispatcher: built at start-up."""

from __future__ import annotations

from service_runtime.host import Runtime
from service_runtime.settings import RegistrationSettings
from services.registration.carrier import CarrierClient, dispatch_forever
from services.registration.deliveries import DeliveryStore


async def open_deliveries(runtime: Runtime[RegistrationSettings]) -> DeliveryStore:
    database = runtime.database("registration")
    store = DeliveryStore(database, runtime.outbox_relay(database, DeliveryStore.collection_name))
    await store.create_indexes()
    settings = runtime.settings
    if settings.carrier_url:
        carrier = CarrierClient(settings.carrier_url, settings.carrier_token.get_secret_value())
        runtime.background.append(lambda: dispatch_forever(store, carrier))
    return store
