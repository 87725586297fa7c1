"""The electronic business licence (电子营业执照): issued on market approval, signed with Ed25519.

The signature covers the canonical JSON of the licence; anyone can verify it with the public
key served beside it. The licence carries no personal identity numbers.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import USCC_ARTEFACT, Artefact
from contracts.form import EnterpriseType, FreeTradeZoneArea, RegistrationForm
from services.registration.documents import Document

TYPE_ZH = {
    EnterpriseType.LIMITED_LIABILITY_COMPANY: "有限责任公司",
    EnterpriseType.JOINT_STOCK_COMPANY: "股份有限公司",
    EnterpriseType.SOLE_PROPRIETORSHIP: "个人独资企业",
    EnterpriseType.PARTNERSHIP: "合伙企业",
    EnterpriseType.FOREIGN_INVESTED_LLC: "有限责任公司（外商投资）",
    EnterpriseType.BRANCH: "分公司",
}
ISSUER = {
    FreeTradeZoneArea.NANSHA: "广州市南沙区市场监督管理局",
    FreeTradeZoneArea.QIANHAI_SHEKOU: "深圳市市场监督管理局前海管理局",
    FreeTradeZoneArea.HENGQIN: "珠海市横琴粤澳深度合作区商事服务局",
    FreeTradeZoneArea.OUTSIDE: "广东省市场监督管理局",
}


class ElectronicLicence(BaseModel):
    model_config = ConfigDict(frozen=True)

    unified_social_credit_code: str
    licence_number: str
    name: str
    enterprise_type: str = Field(description="类型")
    legal_representative: str = Field(description="法定代表人（姓名，不含证件号码）")
    registered_capital: Decimal = Field(description="注册资本（人民币元）")
    founding_date: date = Field(description="成立日期")
    business_term: str = Field(description="营业期限")
    address: str
    business_scope: list[str]
    issuer: str
    issued_at: datetime
    # 换发: a change (变更登记) re-issues the licence as version 2, 3, ...; the first has none,
    # so a licence signed before versions existed keeps verifying.
    version: int | None = Field(default=None, ge=2, description="换发版本（首次核发无此项）")


def build_licence(
    form: RegistrationForm, artefacts: tuple[Artefact, ...], issued_at: datetime
) -> ElectronicLicence:
    numbers = {a.kind: a.number for a in artefacts}
    years = form.enterprise.business_term_years
    return ElectronicLicence(
        unified_social_credit_code=numbers[USCC_ARTEFACT],
        licence_number=numbers["business_licence_number"],
        name=form.enterprise.name,
        enterprise_type=TYPE_ZH[form.enterprise.type],
        legal_representative=form.legal_representative.name,
        registered_capital=form.enterprise.registered_capital,
        founding_date=issued_at.date(),
        business_term="长期" if years is None else f"{years}年",
        address=form.enterprise.address,
        business_scope=list(form.enterprise.business_scope),
        issuer=ISSUER[form.enterprise.area],
        issued_at=issued_at,
    )


def reissued(
    current: ElectronicLicence, form: RegistrationForm, version: int, issued_at: datetime
) -> ElectronicLicence:
    """The licence after a change: the changed particulars, the same code, number and founding
    date, the next version."""
    return current.model_copy(
        update={
            "name": form.enterprise.name,
            "legal_representative": form.legal_representative.name,
            "registered_capital": form.enterprise.registered_capital,
            "address": form.enterprise.address,
            "business_scope": list(form.enterprise.business_scope),
            "issued_at": issued_at,
            "version": version,
        }
    )


def licence_json(licence: ElectronicLicence) -> dict[str, Any]:
    """The licence as stored, served and signed: a field with no value is left out."""
    data: dict[str, Any] = licence.model_dump(mode="json", exclude_none=True)
    return data


def canonical_bytes(licence: ElectronicLicence) -> bytes:
    data: Any = licence_json(licence)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def public_key_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def sign(licence: ElectronicLicence, key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(canonical_bytes(licence))).decode()


def verify(licence: ElectronicLicence, signature: str, public_key: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signature), canonical_bytes(licence))
    except (InvalidSignature, ValueError):
        return False
    return True


def licence_document(
    licence: ElectronicLicence,
    verification_url: str,
    cancelled_at: datetime | None = None,
    superseded: tuple[int, datetime] | None = None,
) -> Document:
    # A cancelled licence (简易注销) or a replaced version (变更换发) still verifies as genuine,
    # and says it no longer stands.
    status = []
    if cancelled_at:
        status.append(("状态 / status", f"已注销 / cancelled {cancelled_at.date().isoformat()}"))
    if superseded:
        by, at = superseded
        status.append(
            (
                "状态 / status",
                f"已被第{by}版取代 / superseded by version {by}, {at.date().isoformat()}",
            )
        )
    if licence.version:
        status.insert(0, ("版本 / version", f"第{licence.version}版（变更换发）"))
    return Document(
        title_zh="营业执照（电子）",
        title_en="Electronic business licence",
        rows=[
            ("统一社会信用代码", licence.unified_social_credit_code),
            ("名称", licence.name),
            ("类型", licence.enterprise_type),
            ("法定代表人", licence.legal_representative),
            ("注册资本", f"人民币{licence.registered_capital}元"),
            ("成立日期", licence.founding_date.isoformat()),
            ("营业期限", licence.business_term),
            ("住所", licence.address),
            ("经营范围", "；".join(licence.business_scope)),
            ("登记机关", licence.issuer),
            ("执照编号", licence.licence_number),
            *status,
        ],
        footer=f"扫码核验 / verify: {verification_url}",
        qr_url=verification_url,
    )
