"""What the registration service's endpoints are handed: built once by its bootstrap (app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.host import Runtime, service_parts
from service_runtime.mongo import Document
from service_runtime.ratelimit import RateLimit
from service_runtime.settings import RegistrationSettings
from services.department.handlers import DepartmentHost
from services.registration.annual_reports import AnnualReportStore
from services.registration.changes import ChangeStore
from services.registration.deliveries import DeliveryStore
from services.registration.deregistrations import DeregistrationStore
from services.registration.permits import PermitStore
from services.registration.store import MongoRegistrationStore


@dataclass(frozen=True)
class RegistrationParts(DepartmentHost):
    """The intake's store, the issued licences, the public lookups' limit; the market's desk."""

    runtime: Runtime[RegistrationSettings]
    registrations: MongoRegistrationStore
    licences: AsyncCollection[Document]
    public_limit: RateLimit
    deliveries: DeliveryStore  # the paper licence and seals: picked up or posted
    permits: PermitStore  # post-licence permits (证照分离): pushed, then filed or applied for
    deregistrations: DeregistrationStore  # simplified deregistration (简易注销)
    annual_reports: AnnualReportStore  # 企业年报, and the listing of a missed one
    changes: ChangeStore  # 变更登记: one at a time, the licence re-issued with its next version


Parts = Annotated[RegistrationParts, Depends(service_parts(RegistrationParts))]
