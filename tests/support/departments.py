"""Every built-in department's spec, for tests that run each one's rules (services need none)."""

from services.bank.rules import BANK
from services.commerce.rules import COMMERCE
from services.credit.rules import CREDIT
from services.department.kit import DepartmentSpec
from services.police.rules import POLICE
from services.registration.market import MARKET
from services.social_security.rules import SOCIAL_SECURITY
from services.tax.rules import TAX

BUILT_IN: dict[str, DepartmentSpec] = {
    spec.name: spec for spec in (MARKET, TAX, POLICE, CREDIT, SOCIAL_SECURITY, COMMERCE, BANK)
}
