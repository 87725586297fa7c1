"""The public credit query (信用查询, Hengqin's fields): what anyone may see of an enterprise.

Built field by field from the record and the enterprise's own list entries; nothing about a
person but the legal representative's name. Identity numbers, mobiles and addresses are never
read into it (the record's `person_ids` stay out of every projection below).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from contracts.topology import TOPOLOGY
from service_runtime.mongo import Document
from services.credit.facts import CreditList, ListEntry

# The only fields of a record a public answer reads (a projection, so nothing else is loaded).
PUBLIC_RECORD_FIELDS = {
    "name": 1,
    "legal_representative_name": 1,
    "founded_on": 1,
    "business_term_years": 1,
    "registered_capital": 1,
    "enterprise_type": 1,
    "business_scope": 1,
    "status": 1,
    "decisions": 1,
}
STATUS_LABELS = {"registered": ("存续", "registered"), "cancelled": ("注销", "cancelled")}
TYPE_LABELS = {
    "limited_liability_company": ("有限责任公司", "limited liability company"),
    "joint_stock_company": ("股份有限公司", "joint-stock company"),
    "sole_proprietorship": ("个人独资企业", "sole proprietorship"),
    "partnership": ("合伙企业", "partnership"),
    "foreign_invested_llc": ("外商投资有限责任公司", "foreign-invested limited liability company"),
    "branch": ("分公司", "branch"),
}


def public_view(record: Document, entries: list[ListEntry], today: date) -> dict[str, Any]:
    status = record.get("status", "registered")
    kind = record["enterprise_type"]
    return {
        "uscc": record["_id"],
        "name": record["name"],
        "legal_representative": record["legal_representative_name"],
        "founded_on": record.get("founded_on"),
        "business_term_years": record.get("business_term_years"),  # None: long-term
        "registered_capital_yuan": record["registered_capital"],
        "type": kind,
        "type_zh": TYPE_LABELS.get(kind, (kind, kind))[0],
        "business_scope": list(record.get("business_scope") or ()),
        "registration_status": status,
        "registration_status_zh": STATUS_LABELS.get(status, (status, status))[0],
        "abnormal_operations": [
            _listing(e) for e in entries if e.list == CreditList.ABNORMAL_OPERATIONS
        ],
        "listed_as_abnormal": any(
            e.list == CreditList.ABNORMAL_OPERATIONS and e.active_on(today) for e in entries
        ),
        "approvals": [
            _approval(d) for d in record.get("decisions") or () if d["status"] == "approved"
        ],
        "administrative_penalties": [
            {**_listing(e), "amount_yuan": str(e.amount_yuan) if e.amount_yuan else None}
            for e in entries
            if e.list == CreditList.ADMINISTRATIVE_PENALTIES
        ],
    }


def _listing(entry: ListEntry) -> dict[str, Any]:
    return {
        "authority": entry.authority,
        "reason": entry.reason,
        "reference": entry.reference,
        "listed_on": entry.listed_on.isoformat(),
        "removed_on": entry.removed_on.isoformat() if entry.removed_on else None,
    }


def _approval(decision: dict[str, str]) -> dict[str, str]:
    department = TOPOLOGY.by_name.get(decision["department"])
    return {
        "department": decision["department"],
        "department_zh": department.label_zh if department else decision["department"],
        "department_en": department.label_en if department else decision["department"],
        "status": decision["status"],
    }
