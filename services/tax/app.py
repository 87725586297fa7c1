"""The tax department as its own service."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.settings import TaxSettings
from services.department.app import create_department_app
from services.tax.rules import tax_department


def create_app(settings: TaxSettings) -> FastAPI:
    return create_department_app(settings, tax_department(settings.tax_invoice_auto_limits))
