"""The parts of an enterprise name (名称自主申报): division + trade name + industry + form."""

from __future__ import annotations

from contracts.form import EnterpriseType

DIVISIONS = (
    "中国", "广东省", "广东", "广州市", "广州", "南沙", "深圳市", "深圳", "前海", "蛇口", "珠海市", "珠海", "横琴",
)  # fmt: skip
INDUSTRIES = (
    "信息技术", "信息科技", "网络科技", "数据科技", "智能科技", "科技", "技术", "软件", "电子商务", "电子",
    "国际贸易", "进出口", "商贸", "贸易", "供应链", "物流", "投资", "资产管理", "管理咨询", "咨询", "管理",
    "文化传媒", "传媒", "文化", "教育科技", "教育", "医疗科技", "医疗", "生物科技", "生物", "新能源", "能源",
    "建筑工程", "工程", "建筑", "制造", "实业", "餐饮管理", "餐饮", "旅游", "服务", "设计", "航运", "金融信息服务",
)  # fmt: skip
ORGANISATIONAL_FORMS: dict[EnterpriseType, tuple[str, ...]] = {
    EnterpriseType.LIMITED_LIABILITY_COMPANY: ("有限责任公司", "有限公司"),
    EnterpriseType.JOINT_STOCK_COMPANY: ("股份有限公司",),
    EnterpriseType.SOLE_PROPRIETORSHIP: ("个人独资企业", "厂", "店", "中心"),
    EnterpriseType.PARTNERSHIP: ("合伙企业", "（普通合伙）", "（有限合伙）"),
    EnterpriseType.FOREIGN_INVESTED_LLC: ("有限责任公司", "有限公司"),
    EnterpriseType.BRANCH: ("分公司",),
}
