"""The source lists' formats (services/credit/lists.py) and the ingest tool (tools/credit_ingest.py).

The expectations below are written out by hand (which list names whom, which columns each
requires), not read from LIST_FORMATS, so a wrong table in the code fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.identifiers import issue_uscc, resident_id_check_digit
from service_runtime.access import read_operator_token
from service_runtime.settings import OperatorTokenSettings
from services.credit.facts import CreditList, ListEntry
from services.credit.lists import ListFileError, RejectedRow, read_list_file
from tools import credit_ingest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "reference_data" / "credit_lists"
BAD_ROWS = ROOT / "tests" / "data" / "credit_lists" / "bad_rows.csv"

ENTERPRISE_ONLY = {
    CreditList.ABNORMAL_OPERATIONS,
    CreditList.SERIOUS_VIOLATIONS,
    CreditList.TAX_ARREARS,
    CreditList.SOCIAL_INSURANCE_ARREARS,
}
OWN_REQUIRED = {
    CreditList.DISHONEST_DEBTORS: ("reference",),
    CreditList.ABNORMAL_OPERATIONS: (),
    CreditList.SERIOUS_VIOLATIONS: (),
    CreditList.ADMINISTRATIVE_PENALTIES: ("reference",),
    CreditList.TAX_ARREARS: ("amount_yuan",),
    CreditList.COURT_JUDGMENTS: ("reference",),
    CreditList.SOCIAL_INSURANCE_ARREARS: ("amount_yuan",),
}
LISTS_WITH_AMOUNTS = {
    CreditList.ADMINISTRATIVE_PENALTIES,
    CreditList.COURT_JUDGMENTS,  # the amount at stake (涉案金额): court_judgment_amount_3y reads it
    CreditList.TAX_ARREARS,
    CreditList.SOCIAL_INSURANCE_ARREARS,
}
COMMON_REQUIRED = (
    *("entry_id", "subject_kind", "subject_id", "subject_name", "listed_on", "authority", "reason"),
)
PERSON_ID = "440106198506120176"
USCC = issue_uscc("test-credit-lists", "440106")
REQUIRED = "必填，不能为空 / required, must not be empty"
BAD_PERSON_ID = (
    "subject_id: 不是有效的公民身份号码 / not a valid citizen identity number (GB 11643)"
)
BAD_USCC = (
    "subject_id: 不是有效的统一社会信用代码 / not a valid unified social credit code (GB 32100)"
)
NO_PERSON = "subject_kind: 本名单不收录此类主体 / this list names no person"
NOT_A_DATE = "须为日期 / must be a date YYYY-MM-DD"


def a_row(credit_list: CreditList, **changes: object) -> dict[str, object]:
    """A valid row of `credit_list`: an enterprise, with every column the list requires."""
    row: dict[str, object] = {
        "entry_id": "T-1",
        "subject_kind": "enterprise",
        "subject_id": USCC,
        "subject_name": "广州某某测试有限公司",
        "listed_on": "2024-03-01",
        "authority": "某某机关",
        "reason": "测试事由",
    }
    if "reference" in OWN_REQUIRED[credit_list]:
        row["reference"] = "(2024)粤0106执1号"
    if "amount_yuan" in OWN_REQUIRED[credit_list]:
        row["amount_yuan"] = "1200.5"
    row.update(changes)
    return {key: value for key, value in row.items() if value is not None}


def write_jsonl(path: Path, rows: Sequence[dict[str, object]]) -> Path:
    lines = [json.dumps(row, ensure_ascii=False, default=str) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, object]]) -> Path:
    lines = [",".join(columns), *(",".join(str(row.get(c, "")) for c in columns) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parse(path: Path, credit_list: CreditList) -> list[ListEntry | RejectedRow]:
    return list(read_list_file(path, credit_list))


def rejected(rows: Sequence[ListEntry | RejectedRow]) -> dict[int, tuple[str, ...]]:
    return {row.line: row.reasons for row in rows if isinstance(row, RejectedRow)}


def entries(rows: Sequence[ListEntry | RejectedRow]) -> list[ListEntry]:
    return [row for row in rows if isinstance(row, ListEntry)]


# --- The gate, list by list ---


@pytest.mark.parametrize("credit_list", list(CreditList))
def test_a_valid_row_of_every_list_parses_from_csv(tmp_path: Path, credit_list: CreditList) -> None:
    row = a_row(credit_list)
    rows = parse(write_csv(tmp_path / "list.csv", list(row), [row]), credit_list)
    assert rejected(rows) == {}
    [entry] = entries(rows)
    assert entry.list is credit_list
    assert (entry.entry_id, entry.subject_id, str(entry.listed_on)) == ("T-1", USCC, "2024-03-01")
    expected_amount = Decimal("1200.50") if "amount_yuan" in OWN_REQUIRED[credit_list] else None
    assert entry.amount_yuan == expected_amount


@pytest.mark.parametrize("credit_list", list(CreditList))
def test_each_list_names_only_its_kinds_of_subject(tmp_path: Path, credit_list: CreditList) -> None:
    person = a_row(credit_list, subject_kind="person", subject_id=PERSON_ID, subject_name="赵某")
    rows = parse(write_jsonl(tmp_path / "list.jsonl", [person]), credit_list)
    if credit_list in ENTERPRISE_ONLY:
        assert rejected(rows) == {1: (NO_PERSON,)}
    else:
        assert rejected(rows) == {}
        assert entries(rows)[0].subject_kind == "person"


@pytest.mark.parametrize("credit_list", list(CreditList))
def test_each_list_requires_the_common_columns_and_its_own(
    tmp_path: Path, credit_list: CreditList
) -> None:
    required = (*COMMON_REQUIRED, *OWN_REQUIRED[credit_list])
    missing_one_each = [
        {k: v for k, v in a_row(credit_list, entry_id=f"T-{i}").items() if k != column}
        for i, column in enumerate(required)
    ]
    rows = parse(write_jsonl(tmp_path / "list.jsonl", missing_one_each), credit_list)
    reasons = rejected(rows)
    assert len(reasons) == len(required)  # and no row slipped through
    for line, column in enumerate(required, start=1):
        if column == "entry_id":
            assert f"entry_id: {REQUIRED}" in reasons[line]
        else:
            assert reasons[line] == (f"{column}: {REQUIRED}",)


@pytest.mark.parametrize("credit_list", list(CreditList))
def test_a_csv_header_without_a_required_column_refuses_the_file(
    tmp_path: Path, credit_list: CreditList
) -> None:
    for column in (*COMMON_REQUIRED, *OWN_REQUIRED[credit_list]):
        row = {k: v for k, v in a_row(credit_list).items() if k != column}
        path = write_csv(tmp_path / "list.csv", list(row), [row])
        with pytest.raises(ListFileError, match=f"missing column {column}"):
            parse(path, credit_list)


@pytest.mark.parametrize("credit_list", list(CreditList))
def test_an_empty_required_cell_is_rejected(tmp_path: Path, credit_list: CreditList) -> None:
    row = a_row(credit_list, reason="  ")
    rows = parse(write_csv(tmp_path / "list.csv", list(row), [row]), credit_list)
    assert rejected(rows) == {2: (f"reason: {REQUIRED}",)}


@pytest.mark.parametrize("credit_list", list(CreditList))
def test_amounts_belong_only_to_the_lists_that_have_them(
    tmp_path: Path, credit_list: CreditList
) -> None:
    rows = parse(
        write_jsonl(tmp_path / "list.jsonl", [a_row(credit_list, amount_yuan="10")]), credit_list
    )
    if credit_list in LISTS_WITH_AMOUNTS:
        assert entries(rows)[0].amount_yuan == Decimal("10.00")
    else:
        assert rejected(rows) == {1: ("amount_yuan: 未知的列 / unknown column",)}


def test_the_optional_amount_and_reference_may_be_left_out(tmp_path: Path) -> None:
    penalty = a_row(CreditList.ADMINISTRATIVE_PENALTIES)
    tax = {k: v for k, v in a_row(CreditList.TAX_ARREARS).items() if k != "reference"}
    assert "amount_yuan" not in penalty
    penalties = parse(
        write_jsonl(tmp_path / "p.jsonl", [penalty]), CreditList.ADMINISTRATIVE_PENALTIES
    )
    assert rejected(penalties) == {}
    assert entries(penalties)[0].amount_yuan is None
    assert rejected(parse(write_jsonl(tmp_path / "t.jsonl", [tax]), CreditList.TAX_ARREARS)) == {}


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("-1", "amount_yuan: 不能为负数 / must not be negative"),
        ("1.005", "amount_yuan: 最多两位小数 / at most 2 decimal places"),
        ("1,200", "amount_yuan: 须为十进制数 / must be a decimal number (16 digits or fewer)"),
        ("1e3", "amount_yuan: 须为十进制数 / must be a decimal number (16 digits or fewer)"),
        ("1" * 17, "amount_yuan: 须为十进制数 / must be a decimal number (16 digits or fewer)"),
        (True, "amount_yuan: 须为文本 / must be a string"),
    ],
)
def test_bad_amounts_are_rejected(tmp_path: Path, amount: object, reason: str) -> None:
    row = a_row(CreditList.TAX_ARREARS, amount_yuan=amount)
    rows = parse(write_jsonl(tmp_path / "t.jsonl", [row]), CreditList.TAX_ARREARS)
    assert rejected(rows) == {1: (reason,)}


def test_amounts_are_stored_with_two_decimals_however_written(tmp_path: Path) -> None:
    written: list[object] = [
        "12.5",
        "12.50",
        "012.500",
        Decimal("12.5"),
        12,
        "-0",
        "9" * 16 + ".99",
    ]
    rows = [
        a_row(CreditList.TAX_ARREARS, entry_id=f"T-{i}", amount_yuan=amount)
        for i, amount in enumerate(written)
    ]
    path = tmp_path / "t.jsonl"
    # Decimal("12.5") is written as the JSON number 12.5, read back without a float.
    path.write_text("\n".join(json.dumps(row, default=float) for row in rows), encoding="utf-8")
    assert '"amount_yuan": 12.5}' in path.read_text("utf-8")
    parsed = entries(parse(path, CreditList.TAX_ARREARS))
    assert [str(e.amount_yuan) for e in parsed] == [
        *("12.50", "12.50", "12.50", "12.50", "12.00", "0.00", "9" * 16 + ".99"),
    ]
    same_but_amount = {e.model_copy(update={"entry_id": "T"}).fingerprint for e in parsed[:4]}
    assert len(same_but_amount) == 1  # one value, one fingerprint: re-ingesting changes nothing


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"subject_kind": "person", "subject_id": PERSON_ID[:-1] + "0"}, (BAD_PERSON_ID,)),
        ({"subject_id": USCC[:-1] + ("0" if USCC[-1] != "0" else "1")}, (BAD_USCC,)),
        ({"subject_kind": "person"}, (BAD_PERSON_ID,)),  # a credit code is no identity number
        (
            {"subject_kind": "Person"},
            ("subject_kind: 须为 person 或 enterprise / must be person or enterprise",),
        ),
        ({"listed_on": "2024-3-1"}, (f"listed_on: {NOT_A_DATE}",)),
        ({"listed_on": "20240301"}, (f"listed_on: {NOT_A_DATE}",)),
        ({"removed_on": "2024-02-29"}, ("removed_on: 早于 listed_on / is before listed_on",)),
        ({"subject_name": 42}, ("subject_name: 须为文本 / must be a string",)),
        ({"list": "dishonest_debtors"}, ("list: 未知的列 / unknown column",)),
        (
            {"reason": "很" * 501},
            ("reason: 不符合要求 / String should have at most 500 characters",),
        ),
    ],
)
def test_each_kind_of_bad_value_is_named(
    tmp_path: Path, changes: dict[str, object], reasons: tuple[str, ...]
) -> None:
    row = a_row(CreditList.COURT_JUDGMENTS, **changes)
    rows = parse(write_jsonl(tmp_path / "c.jsonl", [row]), CreditList.COURT_JUDGMENTS)
    assert rejected(rows) == {1: reasons}


def test_removal_on_the_listing_day_and_a_lower_case_check_character_are_accepted(
    tmp_path: Path,
) -> None:
    first17 = "44010619800101006"
    assert resident_id_check_digit(first17) == "X"
    row = a_row(
        CreditList.DISHONEST_DEBTORS,
        subject_kind="person",
        subject_id=first17 + "x",
        removed_on="2024-03-01",
    )
    [entry] = parse(write_jsonl(tmp_path / "d.jsonl", [row]), CreditList.DISHONEST_DEBTORS)
    assert isinstance(entry, ListEntry)
    assert entry.subject_id == first17 + "X"


# --- Files ---


def test_the_bad_rows_file_names_each_bad_row_by_line_and_loses_no_valid_row() -> None:
    rows = parse(BAD_ROWS, CreditList.DISHONEST_DEBTORS)
    assert rejected(rows) == {
        3: (BAD_PERSON_ID,),
        5: (BAD_USCC,),
        6: (f"listed_on: {NOT_A_DATE}",),
        7: (f"listed_on: {NOT_A_DATE}",),  # 2024-02-30
        8: ("removed_on: 早于 listed_on / is before listed_on",),
        9: (f"reference: {REQUIRED}",),
        10: ("subject_kind: 须为 person 或 enterprise / must be person or enterprise",),
        11: ("行 / row: 5 格 / cells, 表头 / header 9",),
        12: ("entry_id: 与第 2 行重复 / repeats line 2",),
        16: ("CSV: 格式错误 / malformed (',' expected after '\"')",),
        17: ("行 / row: 10 格 / cells, 表头 / header 9",),
        18: ("subject_id: 出生日期不存在 / holds no real birth date (GB 11643)",),
        20: (BAD_PERSON_ID, f"listed_on: {NOT_A_DATE}"),
    }
    valid = entries(rows)
    assert [e.entry_id for e in valid] == ["BR-001", "BR-003", "BR-011", "BR-015", "BR-017"]
    assert valid[2].reason == "有履行能力而拒不履行，\n涉及多个案件"  # a quoted line break (13-14)
    assert len(rows) == len(valid) + 13


def test_a_row_spanning_lines_is_reported_at_its_first_and_the_next_rows_keep_theirs(
    tmp_path: Path,
) -> None:
    credit_list = CreditList.ABNORMAL_OPERATIONS
    spanning = a_row(credit_list, entry_id="T-1", listed_on="someday", reason='"one\ntwo\nthree"')
    after = a_row(credit_list, entry_id="T-2", listed_on="someday")
    path = write_csv(tmp_path / "a.csv", list(spanning), [spanning, after])
    rows = parse(path, credit_list)
    assert rejected(rows) == {2: (f"listed_on: {NOT_A_DATE}",), 5: (f"listed_on: {NOT_A_DATE}",)}


def test_a_repeated_entry_id_is_rejected_every_time_after_the_first(tmp_path: Path) -> None:
    credit_list = CreditList.SERIOUS_VIOLATIONS
    rows = [
        a_row(credit_list, entry_id="A", listed_on="bad"),  # rejected, yet it claims "A"
        a_row(credit_list, entry_id="A"),
        a_row(credit_list, entry_id="B"),
        a_row(credit_list, entry_id=" A "),
    ]
    parsed = parse(write_jsonl(tmp_path / "s.jsonl", rows), credit_list)
    assert rejected(parsed) == {
        1: (f"listed_on: {NOT_A_DATE}",),
        2: ("entry_id: 与第 1 行重复 / repeats line 1",),
        4: ("entry_id: 与第 1 行重复 / repeats line 1",),
    }
    assert [e.entry_id for e in entries(parsed)] == ["B"]


def test_the_shipped_csv_and_jsonl_give_the_same_entries() -> None:
    from_csv = parse(SAMPLES / "dishonest_debtors.csv", CreditList.DISHONEST_DEBTORS)
    from_jsonl = parse(SAMPLES / "dishonest_debtors.jsonl", CreditList.DISHONEST_DEBTORS)
    assert from_csv == from_jsonl
    assert [e.fingerprint for e in entries(from_csv)] == [
        e.fingerprint for e in entries(from_jsonl)
    ]


def test_csv_and_jsonl_agree_on_amounts_blanks_and_a_bom(tmp_path: Path) -> None:
    credit_list = CreditList.ADMINISTRATIVE_PENALTIES
    rows = [
        a_row(credit_list, entry_id="P-1", amount_yuan="300"),
        a_row(credit_list, entry_id="P-2", removed_on="2025-01-01"),
    ]
    columns = [*COMMON_REQUIRED, "removed_on", "reference", "amount_yuan"]
    csv_path = write_csv(tmp_path / "p.csv", columns, rows)
    csv_path.write_bytes(b"\xef\xbb\xbf" + csv_path.read_bytes() + b",,,,,,,,,,\n")
    json_rows = [{**rows[0], "amount_yuan": 300, "removed_on": None}, rows[1]]
    jsonl_path = write_jsonl(tmp_path / "p.jsonl", json_rows)
    jsonl_path.write_text("\n" + jsonl_path.read_text("utf-8") + "  \n", encoding="utf-8")
    from_csv, from_jsonl = parse(csv_path, credit_list), parse(jsonl_path, credit_list)
    assert rejected(from_csv) == rejected(from_jsonl) == {}
    assert entries(from_csv) == entries(from_jsonl)
    assert len(entries(from_csv)) == 2


def test_every_shipped_sample_is_valid_and_holds_the_sample_restricted_person() -> None:
    # 440106197001010030 (王某某) is the restricted person the docs and other tests use.
    files = sorted(SAMPLES.iterdir())
    assert {f.name for f in files} == {
        *(f"{c.value}.csv" for c in CreditList),
        "dishonest_debtors.jsonl",
    }
    for path in files:
        rows = parse(path, CreditList(path.stem))
        assert rejected(rows) == {}, path.name
        assert 5 <= len(rows) <= 20, path.name
    debtors = entries(parse(SAMPLES / "dishonest_debtors.csv", CreditList.DISHONEST_DEBTORS))
    by_id = {e.subject_id: e for e in debtors}
    sample = by_id["440106197001010030"]
    assert (sample.subject_kind, sample.subject_name, sample.reason) == (
        "person",
        "王某某",
        "失信被执行人",
    )
    assert sum(e.subject_kind == "person" for e in debtors) >= 2


def test_jsonl_lines_that_are_not_one_json_object_are_rejected_and_the_rest_read(
    tmp_path: Path,
) -> None:
    credit_list = CreditList.ABNORMAL_OPERATIONS
    good = json.dumps(a_row(credit_list, entry_id="OK"), ensure_ascii=False)
    path = tmp_path / "a.jsonl"
    lines = ["{not json", "[1, 2]", '{"entry_id": "X", "entry_id": "Y"}', "", good]
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe{}\n")
    rows = parse(path, credit_list)
    reasons = rejected(rows)
    assert sorted(reasons) == [1, 2, 3, 6]
    assert reasons[1][0].startswith("JSON: 不是有效的 UTF-8 JSON / not valid UTF-8 JSON")
    assert reasons[2] == ("JSON: 须为对象 / not an object",)
    assert "a key repeated" in reasons[3][0]
    assert "not UTF-8 encoded" in reasons[6][0]
    assert [e.entry_id for e in entries(rows)] == ["OK"]


def test_a_csv_row_that_is_not_utf8_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    credit_list = CreditList.ABNORMAL_OPERATIONS
    row = a_row(credit_list)
    path = write_csv(tmp_path / "a.csv", list(row), [row])
    gbk = ",".join(str(v) for v in a_row(credit_list, entry_id="T-2").values()).encode("gbk")
    path.write_bytes(path.read_bytes() + gbk + b"\n")
    rows = parse(path, credit_list)
    assert rejected(rows) == {3: ("行 / row: 不是 UTF-8 编码 / not UTF-8 encoded",)}
    assert len(entries(rows)) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.txt", "entry_id\n", "suffix must be .csv or .jsonl"),
        ("list.csv", None, "no such file"),
        ("list.csv", "", "no UTF-8 header row"),
        ("list.csv", f"{','.join(COMMON_REQUIRED)},reference,note\n", "unknown column note"),
        ("list.csv", f"{','.join(COMMON_REQUIRED)},reference,reason\n", "repeated column reason"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_list_is_an_error(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ListFileError, match=message):
        parse(path, CreditList.DISHONEST_DEBTORS)


def test_the_page_documents_every_list() -> None:
    page = (ROOT / "docs" / "credit.md").read_text("utf-8")
    assert [line for line in page.splitlines()[:4] if line] == [
        "[← README](../README.md)",
        "# Credit",
    ]
    section = page.split("## Source lists", 1)[1]
    assert {c.value for c in CreditList if f"`{c.value}`" not in section} == set()


# --- The tool ---


@dataclass
class FakeService:
    """The credit endpoint: answers from a script (then 200s), and keeps what it was sent."""

    script: list[object] = field(default_factory=list)  # statuses, or errors to raise
    requests: list[httpx.Request] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # key → fingerprint, as the service would

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script.pop(0) if self.script else 200
        if isinstance(step, Exception):
            raise step
        assert isinstance(step, int)
        if step != 200:
            problem = {"code": "nope", "message_en": "refused", "errors": []}
            return httpx.Response(step, json=problem)
        recorded = unchanged = 0
        for entry in json.loads(request.content)["entries"]:
            parsed = ListEntry.model_validate(entry)
            if self.held.get(parsed.key) == parsed.fingerprint:
                unchanged += 1
            else:
                self.held[parsed.key], recorded = parsed.fingerprint, recorded + 1
        return httpx.Response(200, json={"recorded": recorded, "unchanged": unchanged})

    def sent_ids(self) -> list[str]:
        return [e["entry_id"] for r in self.requests for e in json.loads(r.content)["entries"]]


def run_tool(
    service: FakeService | Callable[[httpx.Request], httpx.Response], *argv: str
) -> tuple[int, list[float]]:
    pauses: list[float] = []
    code = credit_ingest.main(
        list(argv), transport=httpx.MockTransport(service), sleep=pauses.append
    )
    return code, pauses


def test_valid_rows_go_in_batches_with_an_operator_token_and_exit_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = FakeService()
    sample = str(SAMPLES / "dishonest_debtors.csv")
    code, _ = run_tool(
        service,
        "--list",
        "dishonest_debtors",
        sample,
        "--batch",
        "4",
        "--url",
        "http://credit.test",
    )
    assert code == 0
    assert [len(json.loads(r.content)["entries"]) for r in service.requests] == [4, 2]
    first = service.requests[0]
    assert first.url == "http://credit.test/api/v1/credit/lists/dishonest_debtors/entries"
    scheme, _, token = first.headers["Authorization"].partition(" ")
    settings = OperatorTokenSettings()
    secret = settings.operator_token_secret.get_secret_value()
    assert scheme == "Bearer"
    assert (
        read_operator_token(secret, token, max_hours=settings.operator_token_max_hours)
        == "credit-ingest"
    )
    out = capsys.readouterr().out
    assert "rows read / 读取:        6" in out
    assert "recorded / 新增或变更:   6" in out
    assert "440106197001010030" not in out + capsys.readouterr().err  # no personal data

    code, _ = run_tool(service, "--list", "dishonest_debtors", sample)
    assert code == 0
    assert "unchanged / 未变:        6" in capsys.readouterr().out  # idempotent: nothing new


def test_rejected_rows_are_listed_every_valid_row_is_sent_and_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = FakeService()
    code, _ = run_tool(service, "--list", "dishonest_debtors", str(BAD_ROWS), "--batch", "2")
    assert code == 1
    assert service.sent_ids() == ["BR-001", "BR-003", "BR-011", "BR-015", "BR-017"]
    assert len(service.requests) == 3
    out = capsys.readouterr().out
    assert "rejected / 拒绝:         13" in out
    assert f"line 20: {BAD_PERSON_ID}; listed_on: {NOT_A_DATE}" in out
    listed = [line.split(":")[0] for line in out.splitlines() if line.startswith("line ")]
    assert listed == [f"line {n}" for n in (3, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 18, 20)]


def test_a_dry_run_validates_and_sends_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"a dry run sent {request.url}")

    assert run_tool(no_network, "--list", "dishonest_debtors", str(BAD_ROWS), "--dry-run")[0] == 1
    assert "dry run" in capsys.readouterr().out
    sample = str(SAMPLES / "tax_arrears.csv")
    assert run_tool(no_network, "--list", "tax_arrears", sample, "--dry-run")[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--list", "dishonest_debtors", "missing.csv"],
        ["--list", "dishonest_debtors", str(BAD_ROWS.with_suffix(".txt"))],
        ["--list", "no_such_list", str(BAD_ROWS)],
        ["--list", "dishonest_debtors", str(BAD_ROWS), "--batch", "501"],
        ["--list", "dishonest_debtors", str(BAD_ROWS), "--batch", "0"],
        ["--list", "dishonest_debtors", str(BAD_ROWS), "--url", "credit.test"],
        ["--list", "tax_arrears", str(BAD_ROWS)],  # the header lacks amount_yuan
        [str(BAD_ROWS)],
    ],
)
def test_usage_and_file_errors_exit_2_and_send_nothing(argv: list[str]) -> None:
    service = FakeService()
    assert run_tool(service, *argv)[0] == 2
    assert service.requests == []


def test_a_refusal_stops_the_run_with_its_status_and_detail_and_exit_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = FakeService(script=[200, 401])
    sample = str(SAMPLES / "court_judgments.csv")
    code, pauses = run_tool(service, "--list", "court_judgments", sample, "--batch", "2")
    assert code == 3
    assert (len(service.requests), pauses) == (2, [])  # a 401 is not retried, nor sent on
    captured = capsys.readouterr()
    assert "HTTP 401" in captured.err
    assert "nope; refused" in captured.err
    assert "recorded / 新增或变更:   2" in captured.out


def test_a_503_is_retried_and_then_the_batch_goes_through() -> None:
    service = FakeService(script=[503, httpx.ConnectError("refused")])
    sample = str(SAMPLES / "abnormal_operations.csv")
    code, pauses = run_tool(service, "--list", "abnormal_operations", sample)
    assert (code, pauses) == (0, [0.5, 1.0])
    assert len(service.requests) == 3
    assert len(service.held) == 5


def test_a_service_that_stays_away_is_tried_four_times_then_exit_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = FakeService(script=[httpx.ConnectError("refused")] * 2 + [503] * 10)
    sample = str(SAMPLES / "serious_violations.csv")
    code, pauses = run_tool(service, "--list", "serious_violations", sample)
    assert (code, pauses, len(service.requests)) == (3, [0.5, 1.0, 2.0], 4)
    assert "HTTP 503" in capsys.readouterr().err


def test_an_unreachable_service_is_reported_without_a_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = FakeService(script=[httpx.ConnectError("refused")] * 4)
    sample = str(SAMPLES / "serious_violations.csv")
    code, _ = run_tool(service, "--list", "serious_violations", sample)
    assert code == 3
    assert "(HTTP -): 未能连接 / could not reach" in capsys.readouterr().err


def test_an_answer_that_is_not_the_contract_is_a_refusal() -> None:
    def odd(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    sample = str(SAMPLES / "serious_violations.csv")
    assert run_tool(odd, "--list", "serious_violations", sample)[0] == 3


def test_valid_rows_read_before_the_file_breaks_off_are_still_sent() -> None:
    sample = entries(parse(SAMPLES / "tax_arrears.csv", CreditList.TAX_ARREARS))

    def breaks_off() -> Iterator[ListEntry | RejectedRow]:
        yield from sample[:3]
        raise ListFileError("read failed part-way")

    sent: list[list[str]] = []

    def send(batch: Sequence[ListEntry]) -> credit_ingest.BatchOutcome:
        sent.append([e.entry_id for e in batch])
        return credit_ingest.BatchOutcome(recorded=len(batch), unchanged=0)

    tally = credit_ingest.Tally()
    with pytest.raises(ListFileError):
        credit_ingest.ingest(breaks_off(), send, 2, tally)
    assert sent == [[e.entry_id for e in sample[:2]], [sample[2].entry_id]]
    assert (tally.read, tally.valid, tally.recorded) == (3, 3, 3)


def test_send_batch_posts_the_entries_as_json() -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"recorded": 1, "unchanged": 0})

    entry = entries(parse(SAMPLES / "tax_arrears.csv", CreditList.TAX_ARREARS))[0]
    with httpx.Client(base_url="http://x", transport=httpx.MockTransport(answer)) as client:
        outcome = credit_ingest.send_batch(client, CreditList.TAX_ARREARS, [entry])
    assert outcome == credit_ingest.BatchOutcome(recorded=1, unchanged=0)
    assert ListEntry.model_validate(seen[0]["entries"][0]) == entry
