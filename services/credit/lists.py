"""The source lists' file formats and their parser (docs/credit.md, "Source lists").

`read_list_file` streams a `.csv` or `.jsonl` file of one list (LIST_FORMATS: the common columns
plus the list's own) and yields per data row a ListEntry or a RejectedRow with its line number;
a bad row never stops the rest. Strict on purpose, for a register that bars people from founding
enterprises (the page lists each choice); reasons name the column, never quote its value.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from contracts.identifiers import is_valid_uscc, is_well_formed_resident_id, resident_id_birth_date
from services.credit.facts import CreditList, ListEntry, SubjectKind

COMMON_REQUIRED = (
    *("entry_id", "subject_kind", "subject_id", "subject_name", "listed_on", "authority", "reason"),
)
COMMON_OPTIONAL = ("removed_on",)
_EITHER: frozenset[SubjectKind] = frozenset({"person", "enterprise"})
_ENTERPRISES: frozenset[SubjectKind] = frozenset({"enterprise"})
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"-?0*[0-9]{1,16}(\.[0-9]+)?")  # amount_yuan: 18 digits, 2 after the point
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of a non-UTF-8 byte


@dataclass(frozen=True)
class ListFormat:
    """Whom a list may name, and its columns beyond the common ones."""

    subject_kinds: frozenset[SubjectKind]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (*COMMON_REQUIRED, *COMMON_OPTIONAL, *self.required, *self.optional)


_REF, _AMT = "reference", "amount_yuan"
# fmt: off
LIST_FORMATS: Mapping[CreditList, ListFormat] = {
    CreditList.DISHONEST_DEBTORS: ListFormat(_EITHER, required=(_REF,)),
    CreditList.ABNORMAL_OPERATIONS: ListFormat(_ENTERPRISES, optional=(_REF,)),
    CreditList.SERIOUS_VIOLATIONS: ListFormat(_ENTERPRISES, optional=(_REF,)),
    CreditList.ADMINISTRATIVE_PENALTIES: ListFormat(_EITHER, required=(_REF,), optional=(_AMT,)),
    CreditList.TAX_ARREARS: ListFormat(_ENTERPRISES, required=(_AMT,), optional=(_REF,)),
    CreditList.COURT_JUDGMENTS: ListFormat(_EITHER, required=(_REF,), optional=(_AMT,)),
    CreditList.SOCIAL_INSURANCE_ARREARS: ListFormat(_ENTERPRISES, required=(_AMT,), optional=(_REF,)),
}
# fmt: on


@dataclass(frozen=True)
class RejectedRow:
    """A data row that did not become an entry: where it is in the file, and why."""

    line: int
    reasons: tuple[str, ...]


class ListFileError(Exception):
    """The file as a whole cannot be read: missing, unreadable, unknown suffix, bad header."""


_Raw = dict[str, object] | tuple[str, ...]  # a row's values, or why it has none
_Reader = Callable[[TextIO, ListFormat], Iterator[tuple[int, _Raw]]]


def _why(column: str, zh: str, en: str) -> str:
    return f"{column}: {zh} / {en}"


def read_list_file(path: Path, credit_list: CreditList) -> Iterator[ListEntry | RejectedRow]:
    """Per data row of `path`, in file order, its entry or why it was rejected. ListFileError:
    at once for a wrong suffix or a missing file; while iterating for a bad header or read."""
    if path.suffix.lower() not in _READERS:
        raise ListFileError(f"{path.name}: 后缀须为 .csv 或 .jsonl / suffix must be .csv or .jsonl")
    if not path.is_file():
        raise ListFileError(f"{path}: 文件不存在 / no such file")
    return _checked(path, credit_list)


def _checked(path: Path, credit_list: CreditList) -> Iterator[ListEntry | RejectedRow]:
    fmt, reader = LIST_FORMATS[credit_list], _READERS[path.suffix.lower()]
    first_line_of: dict[str, int] = {}
    try:
        # surrogateescape: a byte that is not UTF-8 spoils its row (rejected), not the file.
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
            for line, raw in reader(text, fmt):
                if isinstance(raw, tuple):
                    yield RejectedRow(line, raw)
                    continue
                # Even a rejected row claims its id: which of two same-id rows is right is unknown.
                entry_id = str(raw.get("entry_id") or "").strip()
                first = first_line_of.setdefault(entry_id, line) if entry_id else line
                also = [_why("entry_id", f"与第 {first} 行重复", f"repeats line {first}")]
                entry = check_row(raw, credit_list, fmt, also=also if first != line else ())
                yield RejectedRow(line, entry) if isinstance(entry, tuple) else entry
    except OSError as exc:
        raise ListFileError(f"{path}: 无法读取 / cannot be read ({exc})") from exc


def check_row(
    raw: Mapping[str, object], credit_list: CreditList, fmt: ListFormat, also: Sequence[str] = ()
) -> ListEntry | tuple[str, ...]:
    """One row as an entry, or every reason (`also`: those found outside the row) it is not."""
    reasons = [*also, *(_why(k, "未知的列", "unknown column") for k in raw if k not in fmt.columns)]
    values: dict[str, str] = {}
    wrong = [c for c in fmt.columns if c in raw and _as_text(raw[c], numeric=c == _AMT) is None]
    reasons += [_why(c, "须为文本", "must be a string") for c in wrong]
    for column in (c for c in fmt.columns if c in raw and c not in wrong):
        if text := _as_text(raw[column], numeric=column == _AMT):
            values[column] = text.upper() if column == "subject_id" else text
    missing = [c for c in (*COMMON_REQUIRED, *fmt.required) if c not in values and c not in wrong]
    reasons += [_why(c, "必填，不能为空", "required, must not be empty") for c in missing]
    reasons += _subject_reasons(values.get("subject_kind"), values.get("subject_id"), fmt)
    dates = {c: _iso_date(values[c]) for c in ("listed_on", "removed_on") if c in values}
    reasons += [_why(c, "须为日期", "must be a date YYYY-MM-DD") for c in dates if not dates[c]]
    listed_on, removed_on = dates.get("listed_on"), dates.get("removed_on")
    if listed_on and removed_on and removed_on < listed_on:
        reasons.append(_why("removed_on", "早于 listed_on", "is before listed_on"))
    amount = _amount(values[_AMT]) if _AMT in values else None
    reasons += [amount] if isinstance(amount, str) else []
    if reasons:
        return tuple(reasons)
    try:
        return ListEntry.model_validate({**values, _AMT: amount, "list": credit_list})
    except ValidationError as exc:  # lengths: the model's limits, not repeated here
        return tuple(_why(str(e["loc"][0]), "不符合要求", e["msg"]) for e in exc.errors())


def _as_text(value: object, *, numeric: bool = False) -> str | None:
    """The value as trimmed text ("" when absent), or None when its type is not allowed."""
    if value is None or isinstance(value, str):
        return (value or "").strip()
    if numeric and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _subject_reasons(kind: str | None, subject_id: str | None, fmt: ListFormat) -> list[str]:
    if kind not in {"person", "enterprise", None}:
        return [_why("subject_kind", "须为 person 或 enterprise", "must be person or enterprise")]
    reasons = []
    if kind is not None and kind not in fmt.subject_kinds:
        reasons.append(_why("subject_kind", "本名单不收录此类主体", f"this list names no {kind}"))
    if kind == "person" and subject_id and not is_well_formed_resident_id(subject_id):
        zh, en = "不是有效的公民身份号码", "not a valid citizen identity number (GB 11643)"
        reasons.append(_why("subject_id", zh, en))
    elif kind == "person" and subject_id and not resident_id_birth_date(subject_id):
        reasons.append(_why("subject_id", "出生日期不存在", "holds no real birth date (GB 11643)"))
    if subject_id and kind == "enterprise" and not is_valid_uscc(subject_id):
        zh, en = "不是有效的统一社会信用代码", "not a valid unified social credit code (GB 32100)"
        reasons.append(_why("subject_id", zh, en))
    return reasons


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:  # 2024-02-30
        return None


def _amount(text: str) -> Decimal | str:
    """The amount with exactly 2 decimal places, or why it is not one."""
    if not _AMOUNT.fullmatch(text):
        return _why(_AMT, "须为十进制数", "must be a decimal number (16 digits or fewer)")
    if (amount := Decimal(text)) < 0:
        return _why(_AMT, "不能为负数", "must not be negative")
    if amount != (cents := abs(amount).quantize(Decimal("0.01"))):
        return _why(_AMT, "最多两位小数", "at most 2 decimal places")
    return cents


def _csv_rows(text: TextIO, fmt: ListFormat) -> Iterator[tuple[int, _Raw]]:
    reader = csv.reader(text, strict=True)
    header = _csv_header(next(reader, None), fmt)
    last = reader.line_num
    while True:  # bounded: every pass, even one ending in csv.Error, reads a line or returns
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # strict quoting: a stray quote is a bad row, not a guess
            yield last + 1, (f"CSV: 格式错误 / malformed ({exc})",)
            last = reader.line_num
            continue
        first, last = last + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if _NOT_UTF8.search("".join(cells)):
            yield first, (_why("行 / row", "不是 UTF-8 编码", "not UTF-8 encoded"),)
        elif len(cells) != len(header):
            yield first, (f"行 / row: {len(cells)} 格 / cells, 表头 / header {len(header)}",)
        else:
            yield first, dict(zip(header, cells, strict=True))


def _csv_header(cells: list[str] | None, fmt: ListFormat) -> list[str]:
    if cells is None or _NOT_UTF8.search("".join(cells)):
        raise ListFileError("缺少 UTF-8 表头 / no UTF-8 header row")
    header = [cell.strip() for cell in cells]
    problems = [f"未知的列 / unknown column {c}" for c in header if c not in fmt.columns]
    problems += [f"重复的列 / repeated column {c}" for c in set(header) if header.count(c) > 1]
    problems += [
        f"缺少列 / missing column {c}" for c in (*COMMON_REQUIRED, *fmt.required) if c not in header
    ]
    if problems:
        raise ListFileError("表头 / header: " + "; ".join(sorted(problems)))
    return header


def _jsonl_rows(text: TextIO, _fmt: ListFormat) -> Iterator[tuple[int, _Raw]]:
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            if _NOT_UTF8.search(line):
                raise ValueError("not UTF-8 encoded")  # noqa: TRY301 - one path for every bad line
            value = json.loads(line, parse_float=Decimal, object_pairs_hook=_unique_keys)
        except (ValueError, RecursionError) as exc:
            yield number, (f"JSON: 不是有效的 UTF-8 JSON / not valid UTF-8 JSON ({exc})",)
            continue
        yield number, value if isinstance(value, dict) else ("JSON: 须为对象 / not an object",)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    if len(keys := [key for key, _ in pairs]) != len(set(keys)):
        raise ValueError("a key repeated")  # json would keep the last silently
    return dict(pairs)


_READERS: Mapping[str, _Reader] = {".csv": _csv_rows, ".jsonl": _jsonl_rows}
