"""What the notifier keeps of an enterprise: enough to target notices and reach it, no ID numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.form import RegistrationForm, is_foreign_invested
from contracts.notices import EnterpriseSize, PolicyTargeting

SMALL_FROM, MEDIUM_FROM, LARGE_FROM = 10, 100, 1000


def size_of(employees: int) -> EnterpriseSize:
    if employees >= LARGE_FROM:
        return EnterpriseSize.LARGE
    if employees >= MEDIUM_FROM:
        return EnterpriseSize.MEDIUM
    if employees >= SMALL_FROM:
        return EnterpriseSize.SMALL
    return EnterpriseSize.MICRO


def profile_of(form: RegistrationForm) -> dict[str, Any]:
    representative = form.legal_representative
    return {
        "name": form.enterprise.name,
        "type": form.enterprise.type.value,
        "area": form.enterprise.area.value,
        "industry_code": form.enterprise.industry_code,
        "size": size_of(form.employment.employee_count).value,
        "foreign_invested": is_foreign_invested(form),
        "business_term_years": form.enterprise.business_term_years,
        "email": representative.email,
        "mobile": representative.mobile,
    }


def matches(profile: Mapping[str, Any], targeting: PolicyTargeting) -> bool:
    """Every tag given must match; a tag left empty matches every enterprise."""
    industry = profile.get("industry_code") or ""
    return (
        (not targeting.areas or profile["area"] in targeting.areas)
        and (not targeting.enterprise_types or profile["type"] in targeting.enterprise_types)
        and (not targeting.sizes or profile["size"] in targeting.sizes)
        and (
            not targeting.industry_code_prefixes
            or any(industry.startswith(p) for p in targeting.industry_code_prefixes)
        )
        and (
            targeting.foreign_invested is None
            or profile["foreign_invested"] == targeting.foreign_invested
        )
    )
