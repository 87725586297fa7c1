"""The post-licence permit catalogue (证照分离) against the business-scope catalogue and the
topology: every scope item flagged `post` is pushed somewhere, and to a department that exists."""

from __future__ import annotations

from contracts.permits import PermitKind
from contracts.topology import TOPOLOGY
from reference_data.permits import external_departments, permits, permits_for_scope
from reference_data.scope import catalogue


def test_the_catalogue_has_at_least_40_items_of_all_four_kinds() -> None:
    items = permits().values()
    assert len(items) >= 40
    assert {p.kind for p in items} == {k.value for k in PermitKind}
    assert all(p.time_limit_working_days > 0 for p in items if p.kind != "cancelled")


def test_every_post_licence_scope_item_needs_a_permit_and_only_those_do() -> None:
    post = {i.name for i in catalogue().values() if i.permit == "post"}
    linked = {s for p in permits().values() for s in p.scope_items}
    assert linked == post


def test_each_competent_department_runs_here_and_decides_permits_or_is_named_outside() -> None:
    here = {d.name for d in TOPOLOGY.departments if d.decides_permits}
    named = {p.department for p in permits().values()}
    assert here == named & set(TOPOLOGY.by_name)
    assert named - here <= set(external_departments())
    assert not set(external_departments()) & set(TOPOLOGY.by_name)


def test_a_scope_is_pushed_once_per_permit_with_the_items_that_need_it() -> None:
    found = permits_for_scope(["住宿服务", "软件开发", "住宿服务", "食品销售", "餐饮服务"])
    by_name = {p.name_zh: items for p, items in found}
    assert by_name == {
        "食品经营许可": ["食品销售", "餐饮服务"],
        "旅馆业特种行业许可证": ["住宿服务"],
        "公共场所卫生许可": ["住宿服务"],
    }
    assert permits_for_scope(["软件开发", "信息技术咨询服务"]) == []
