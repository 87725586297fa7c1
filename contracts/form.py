"""The one comprehensive form (综合信息表), version 1: filled once, shared with every department."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contracts.form_rules import (
    age_on,
    check_identity,
    check_mobile,
    check_uscc,
    rule_error,
)
from contracts.identifiers import resident_id_birth_date

CreditCode = Annotated[str, AfterValidator(check_uscc)]
Mobile = Annotated[str, AfterValidator(check_mobile)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class EnterpriseType(StrEnum):
    LIMITED_LIABILITY_COMPANY = "limited_liability_company"
    JOINT_STOCK_COMPANY = "joint_stock_company"
    SOLE_PROPRIETORSHIP = "sole_proprietorship"
    PARTNERSHIP = "partnership"
    FOREIGN_INVESTED_LLC = "foreign_invested_llc"
    BRANCH = "branch"


class FreeTradeZoneArea(StrEnum):
    NANSHA = "nansha"
    QIANHAI_SHEKOU = "qianhai_shekou"
    HENGQIN = "hengqin"
    OUTSIDE = "outside"


class SealKind(StrEnum):
    COMPANY = "company"
    FINANCE = "finance"
    INVOICE = "invoice"
    CONTRACT = "contract"
    LEGAL_REPRESENTATIVE = "legal_representative"


class Enterprise(_Part):
    name: Text = Field(
        description="企业名称 enterprise name", examples=["广州南沙示例科技有限公司"]
    )
    type: EnterpriseType = Field(description="企业类型 enterprise type")
    registered_capital: Money = Field(description="注册资本（人民币元）", examples=["1000000.00"])
    business_term_years: int | None = Field(
        default=None, ge=1, le=100, description="营业期限（年），空为长期 business term"
    )
    address: Text = Field(description="住所 address")
    area: FreeTradeZoneArea = Field(description="自贸区片区 Free Trade Zone area")
    business_scope: list[Text] = Field(
        min_length=1, max_length=50, description="经营范围 business-scope items"
    )
    industry_code: str | None = Field(
        default=None, pattern=r"^[A-T]\d{0,4}$", description="行业代码 GB/T 4754"
    )


IdType = Literal[
    "resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident_id"
]


class Person(_Part):
    name: Text = Field(description="姓名 name", examples=["张三"])
    id_type: IdType = Field(
        default="resident_id",
        description="证件类型：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证",
    )
    id_number: str = Field(
        min_length=1, max_length=32, description="证件号码（居民身份证按 GB 11643 校验）"
    )
    mobile: Mobile = Field(description="手机号码 mobile", examples=["13800138000"])
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @field_validator("id_number")
    @classmethod
    def _number_fits_document(cls, value: str, info: ValidationInfo) -> str:
        return check_identity(info.data.get("id_type", "resident_id"), value)


class PrincipalOfficer(Person):
    role: Literal[
        "executive_director", "chair", "director", "supervisor", "manager", "financial_officer"
    ] = Field(description="职务：执行董事、董事长、董事、监事、经理、财务负责人")


class Shareholder(_Part):
    kind: Literal["natural_person", "legal_person"] = Field(description="股东类型")
    name: Text
    id_type: IdType = Field(default="resident_id", description="自然人证件类型")
    id_number: str | None = Field(default=None, max_length=32, description="自然人证件号码")
    credit_code: CreditCode | None = Field(default=None, description="境内法人统一社会信用代码")
    registration_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="境外法人注册号 foreign company registration number",
    )
    country: str = Field(default="CN", pattern=r"^[A-Z]{2}$", description="国别 ISO 3166")
    contribution: Money = Field(description="认缴出资额（人民币元）")
    contribution_deadline: date = Field(description="出资期限")

    @field_validator("id_number")
    @classmethod
    def _number_fits_document(cls, value: str | None, info: ValidationInfo) -> str | None:
        return (
            None
            if value is None
            else check_identity(info.data.get("id_type", "resident_id"), value)
        )

    @model_validator(mode="after")
    def _identifier_matches_kind(self) -> Self:
        if self.kind == "natural_person":
            needs = self.id_number
        else:
            needs = self.credit_code if self.country == "CN" else self.registration_number
        if needs is None:
            raise rule_error("shareholder_identifier")
        return self


class SealRequest(_Part):
    kinds: list[SealKind] = Field(min_length=1, max_length=5, description="印章种类")
    maker_id: Text = Field(
        description="刻章企业备案编号 licensed seal maker", examples=["GZ-SEAL-001"]
    )


class TaxInfo(_Part):
    expected_annual_sales: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    invoice_kind: Literal["vat_special", "vat_ordinary", "none"] = Field(description="发票种类")
    invoice_monthly_quantity: int = Field(ge=0, le=10_000, description="每月发票领用数量")
    taxpayer_type_requested: Literal["auto", "small_scale", "general"] = Field(
        default="auto", description="申请纳税人类型：自动核定、小规模纳税人、一般纳税人"
    )
    accounting_contact: Person


class Employment(_Part):
    employee_count: int = Field(ge=0, le=1_000_000, description="从业人数")
    start_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="参保起始年月 YYYY-MM")


class BankBooking(_Part):
    bank: Text = Field(description="开户银行 bank", examples=["中国银行"])
    branch: Text = Field(description="开户网点 branch", examples=["广州南沙自贸区支行"])
    preferred_date: date = Field(description="预约日期 preferred date")


class RegistrationForm(_Part):
    form_version: Literal["1"] = Field(default="1", description="表单版本")
    enterprise: Enterprise
    legal_representative: Person
    principal_officers: list[PrincipalOfficer] = Field(
        default_factory=list, max_length=50, description="主要人员（董事、监事、经理等）"
    )
    shareholders: list[Shareholder] = Field(min_length=1, max_length=200)
    seals: SealRequest
    tax: TaxInfo
    employment: Employment
    bank_account: BankBooking | None = Field(default=None, description="预约开户（可选）")
    consent: bool = Field(description="承诺申报信息真实，同意各部门共享 declaration and consent")

    @model_validator(mode="after")
    def _form_is_consistent(self) -> Self:
        if not self.consent:
            raise rule_error("consent_given")
        total = sum((s.contribution for s in self.shareholders), Decimal(0))
        if total != self.enterprise.registered_capital:
            raise rule_error("contributions_equal_capital")
        today = datetime.now(UTC).date()
        representative = self.legal_representative
        birth = (
            resident_id_birth_date(representative.id_number)
            if representative.id_type == "resident_id"
            else None
        )
        if birth is not None and age_on(birth, today) < 18:  # noqa: PLR2004
            raise rule_error("legal_representative_adult")
        if self.enterprise.type in FIVE_YEAR_PAID_IN_TYPES:
            latest = years_later(today, 5)  # founding is the day of registration
            if any(s.contribution_deadline > latest for s in self.shareholders):
                raise rule_error("contribution_deadline_within_five_years")
        return self


# Company Law (2023 revision, in force 2024-07-01), Article 47: five years to pay in.
FIVE_YEAR_PAID_IN_TYPES = frozenset(
    {EnterpriseType.LIMITED_LIABILITY_COMPANY, EnterpriseType.FOREIGN_INVESTED_LLC}
)


def is_foreign_invested(form: RegistrationForm) -> bool:
    return form.enterprise.type == EnterpriseType.FOREIGN_INVESTED_LLC


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
