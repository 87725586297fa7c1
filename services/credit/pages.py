"""The public credit pages, in Chinese and English: server-rendered, no script, all escaped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

# No script at all; one inline <style>; the search form posts nowhere but here (GET).
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-store"}
STYLE = (
    "body{font-family:sans-serif;max-width:56rem;margin:1.5rem auto;padding:0 1rem;"
    "line-height:1.5}th{text-align:left;vertical-align:top;padding-right:1rem;width:14rem}"
    "td,th{border-bottom:1px solid #ddd;padding:.3rem 0}table{border-collapse:collapse;"
    "width:100%}.en{color:#555;font-size:.9em}"
)


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _page(title_zh: str, title_en: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title_zh)} / {_e(title_en)}</title><style>{STYLE}</style></head>"
        f'<body><h1>{_e(title_zh)} <span class="en">{_e(title_en)}</span></h1>{body}'
        f'<p><a href="/credit">信用查询 / Credit query</a></p></body></html>'
    )


def _rows(rows: Iterable[tuple[str, str, str]]) -> str:
    return "".join(
        f'<tr><th>{_e(zh)} <span class="en">{_e(en)}</span></th><td>{value}</td></tr>'
        for zh, en, value in rows
    )


def _listings(items: list[Mapping[str, Any]], none_zh: str, none_en: str) -> str:
    if not items:
        return f'{_e(none_zh)} <span class="en">{_e(none_en)}</span>'
    return (
        "<ul>"
        + "".join(
            f"<li>{_e(i['listed_on'])} {_e(i['authority'])} {_e(i.get('reference'))}："
            f"{_e(i['reason'])}{'（已移出 removed ' + _e(i['removed_on']) + '）' if i.get('removed_on') else ''}"
            f"{' ¥' + _e(i['amount_yuan']) if i.get('amount_yuan') else ''}</li>"
            for i in items
        )
        + "</ul>"
    )


def enterprise_page(record: Mapping[str, Any]) -> str:
    term = record["business_term_years"]
    approvals = "".join(
        f"<li>{_e(a['department_zh'])} <span class='en'>{_e(a['department_en'])}</span>："
        f"{_e(a['status'])}</li>"
        for a in record["approvals"]
    )
    rows = [
        ("企业名称", "Name", _e(record["name"])),
        ("统一社会信用代码", "Unified social credit code", _e(record["uscc"])),
        ("法定代表人", "Legal representative", _e(record["legal_representative"])),
        ("成立日期", "Founded on", _e(record["founded_on"])),
        ("营业期限", "Business term", f"{_e(term)} 年 years" if term else "长期 long-term"),
        ("认缴注册资本", "Subscribed capital (CNY)", _e(record["registered_capital_yuan"])),
        (
            "企业类型",
            "Type",
            f"{_e(record['type_zh'])} <span class='en'>{_e(record['type'])}</span>",
        ),
        ("经营范围", "Business scope", _e("；".join(record["business_scope"]))),
        ("登记状态", "Registration status", _e(record["registration_status_zh"])),
        (
            "经营异常名录",
            "Abnormal-operations list",
            ("是 yes：" if record["listed_as_abnormal"] else "否 no ")
            + _listings(record["abnormal_operations"], "无记录", "none on record"),
        ),
        ("行政审批", "Approvals", f"<ul>{approvals}</ul>" if approvals else "无 none"),
        (
            "行政处罚",
            "Administrative penalties",
            _listings(record["administrative_penalties"], "无记录", "none on record"),
        ),
    ]
    return _page("企业信用信息", "Enterprise credit record", f"<table>{_rows(rows)}</table>")


def search_page(name: str | None, results: Sequence[Mapping[str, str]]) -> str:
    form = (
        '<form method="get" action="/credit"><label>企业名称 <span class="en">Name</span> '
        f'<input name="name" minlength="2" maxlength="100" value="{_e(name)}"></label> '
        "<button>查询 Search</button></form>"
    )
    found = "".join(
        f'<li><a href="/credit/{_e(r["uscc"])}">{_e(r["name"])}</a> {_e(r["uscc"])}</li>'
        for r in results
    )
    if name is not None and not results:
        found = "<li>未找到 / nothing found</li>"
    return _page("信用查询", "Credit query", f"{form}<ul>{found}</ul>")


def draw_page(draw: Mapping[str, Any]) -> str:
    summary = _rows(
        [
            ("抽查期次", "Period", _e(draw["period"])),
            ("随机种子", "Seed", _e(draw["seed"])),
            ("抽查比例", "Share inspected", f"{draw['overall_proportion']:.2%}"),
            ("各信用类别抽查数", "Drawn per credit class", _e(draw["drawn"])),
            ("抽取时间", "Drawn at", _e(draw["drawn_at"])),
        ]
    )
    items = "".join(
        f"<li>{_e(e['uscc'])}（{_e(e['credit_class'])}）："
        + "、".join(f"{_e(i['name'])} {_e(i['staff_id'])}" for i in e["inspectors"])
        + "</li>"
        for e in draw["enterprises"]
    )
    body = (
        f"<table>{summary}</table><h2>抽查名单 <span class='en'>Drawn</span></h2><ul>{items}</ul>"
    )
    return _page("双随机抽查结果公示", "Random inspections: results", body)
