"""Mongo client factory; PyMongo's AsyncMongoClient is Motor's official successor."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from service_runtime.settings import RuntimeSettings
from service_runtime.transport import mongo_client_options

Document = dict[str, Any]


def build_mongo_client(settings: RuntimeSettings) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(
        settings.mongodb_uri,
        appname=settings.service_name,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=5_000,
        **mongo_client_options(settings),
    )
