"""Validate a source list file and send its valid rows to the credit service.

    python -m tools.credit_ingest --list dishonest_debtors reference_data/credit_lists/dishonest_debtors.csv
        [--url http://127.0.0.1:8013] [--batch 500] [--dry-run] [--operator credit-ingest]

Every row is checked (services/credit/lists.py; the formats are in docs/credit.md, "Source
lists") under a progress bar, and the valid ones go in batches of at most 500 to
`POST /api/v1/credit/lists/{list}/entries`, with an operator token minted from
OPERATOR_TOKEN_SECRET as `tools.operator_token` does. A rejected row never holds back a valid
one. A batch that meets a connection error or a 503 is tried again 3 times (0.5, 1, 2 s apart).

Idempotent by construction: the service keys each entry by list and entry_id and compares its
fingerprint, so sending the same file again records nothing new (all "unchanged"), and a run
that stopped part-way (or a batch retried after a lost answer) can simply be sent again.

Exit codes: 0 every row valid and sent; 1 some rows rejected (the valid ones were sent);
2 usage or file error; 3 the service refused a batch or could not be reached (its HTTP status
and the problem's detail are printed). `--dry-run` only validates (exit 0, 1 or 2).
The output names lines and columns only, never a row's personal data.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import BaseModel, Field, ValidationError
from tqdm import tqdm

from contracts.topology import TOPOLOGY
from service_runtime.access import issue_operator_token
from service_runtime.settings import OperatorTokenSettings
from services.credit.facts import CreditList, ListEntry
from services.credit.lists import ListFileError, RejectedRow, read_list_file

EXIT_OK, EXIT_REJECTED_ROWS, EXIT_USAGE, EXIT_SERVICE = 0, 1, 2, 3
MAX_BATCH = 500  # what the endpoint accepts in one request
RETRY_PAUSES = (0.5, 1.0, 2.0)  # seconds before each retry of a batch
TOKEN_HOURS = 2.0  # plenty for millions of rows; capped by OPERATOR_TOKEN_MAX_HOURS
CREDIT_PORT = next(d.port for d in TOPOLOGY.departments if d.name == "credit")
DEFAULT_URL = f"http://127.0.0.1:{CREDIT_PORT}"


@dataclass(frozen=True)
class BatchOutcome:
    recorded: int  # new or changed entries
    unchanged: int  # entries the service already held with the same fingerprint


Send = Callable[[Sequence[ListEntry]], BatchOutcome]


class ServiceRefusedError(Exception):
    """The service answered a batch with an error, or could not be reached."""

    def __init__(self, status: int | None, detail: str, *, retryable: bool) -> None:
        super().__init__(f"HTTP {status}: {detail}" if status else detail)
        self.status, self.detail, self.retryable = status, detail, retryable


@dataclass
class Tally:
    read: int = 0
    valid: int = 0
    recorded: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


class _Answer(BaseModel):
    recorded: int = Field(ge=0)
    unchanged: int = Field(ge=0)


def send_batch(
    client: httpx.Client,
    credit_list: CreditList,
    entries: Sequence[ListEntry],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> BatchOutcome:
    """POST one batch (the client carries the base URL and the token); retried on a connection
    error or a 503, which is safe because the service compares fingerprints."""
    path = f"/api/v1/credit/lists/{credit_list.value}/entries"
    body = '{"entries":[' + ",".join(entry.model_dump_json() for entry in entries) + "]}"
    for pause in RETRY_PAUSES:
        try:
            return _post_once(client, path, body)
        except ServiceRefusedError as refused:
            if not refused.retryable:
                raise
        sleep(pause)
    return _post_once(client, path, body)


def _post_once(client: httpx.Client, path: str, body: str) -> BatchOutcome:
    try:
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    except httpx.TransportError as exc:
        detail = f"未能连接 / could not reach {client.base_url} ({type(exc).__name__})"
        raise ServiceRefusedError(None, detail, retryable=True) from exc
    if response.status_code != httpx.codes.OK:
        retryable = response.status_code == httpx.codes.SERVICE_UNAVAILABLE
        raise ServiceRefusedError(
            response.status_code, problem_detail(response), retryable=retryable
        )
    try:
        answer = _Answer.model_validate_json(response.content)
    except ValidationError as exc:
        raise ServiceRefusedError(
            200, "unexpected answer (want recorded, unchanged)", retryable=False
        ) from exc
    return BatchOutcome(answer.recorded, answer.unchanged)


def problem_detail(response: httpx.Response) -> str:
    """The problem document's code, message and errors (service_runtime/problems.py), or the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if not isinstance(body, dict):
        return str(body)[:300]
    parts = [
        str(body[key]) for key in ("code", "detail", "message_zh", "message_en") if body.get(key)
    ]
    errors = body.get("errors")
    parts += [
        f"{e.get('path') or e.get('field', '')}: {e.get('message_zh', '')} / {e.get('message_en', '')}"
        for e in (errors[:10] if isinstance(errors, list) else [])
        if isinstance(e, dict)
    ]
    return "; ".join(parts) or str(body)[:300]


def ingest(
    rows: Iterable[ListEntry | RejectedRow], send: Send | None, batch_size: int, tally: Tally
) -> None:
    """Count every row and send the valid ones in batches (send None: a dry run)."""
    pending: list[ListEntry] = []
    try:
        for row in rows:
            tally.read += 1
            if isinstance(row, RejectedRow):
                tally.rejected.append(row)
                continue
            tally.valid += 1
            pending.append(row)
            if len(pending) >= batch_size:
                _flush(pending, send, tally)
    except ListFileError:
        _flush(pending, send, tally)  # rows read before the file broke off are valid: send them
        raise
    _flush(pending, send, tally)


def _flush(pending: list[ListEntry], send: Send | None, tally: Tally) -> None:
    if pending and send is not None:
        outcome = send(pending)
        tally.recorded += outcome.recorded
        tally.unchanged += outcome.unchanged
    pending.clear()


def operator_token(operator: str) -> str:
    """A short-lived operator token from OPERATOR_TOKEN_SECRET (what tools.operator_token prints)."""
    settings = OperatorTokenSettings()  # only what a token needs: other settings cannot break it
    hours = min(TOKEN_HOURS, settings.operator_token_max_hours)
    return issue_operator_token(settings.operator_token_secret.get_secret_value(), operator, hours)


def print_summary(tally: Tally, *, dry_run: bool) -> None:
    sent = "— (dry run: nothing sent)" if dry_run else ""
    print(f"rows read / 读取:        {tally.read}")
    print(f"valid / 有效:            {tally.valid}")
    print(f"rejected / 拒绝:         {len(tally.rejected)}")
    print(f"recorded / 新增或变更:   {tally.recorded} {sent}".rstrip())
    print(f"unchanged / 未变:        {tally.unchanged} {sent}".rstrip())
    for row in tally.rejected:
        print(f"line {row.line}: {'; '.join(row.reasons)}")


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.credit_ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    names = [c.value for c in CreditList]
    parser.add_argument(
        "--list", required=True, choices=names, metavar="NAME", help=", ".join(names)
    )
    parser.add_argument("file", type=Path, help="a .csv or .jsonl file of that list")
    parser.add_argument("--url", default=DEFAULT_URL, help="the credit service's base URL")
    parser.add_argument(
        "--batch", type=int, default=MAX_BATCH, help=f"rows a request, 1 to {MAX_BATCH}"
    )
    parser.add_argument("--dry-run", action="store_true", help="only validate, send nothing")
    parser.add_argument("--operator", default="credit-ingest", help="the staff id the token names")
    args = parser.parse_args(argv)
    if not 1 <= args.batch <= MAX_BATCH:
        parser.error(f"--batch 须在 1 到 {MAX_BATCH} 之间 / must be from 1 to {MAX_BATCH}")
    if not args.url.startswith(("http://", "https://")):
        parser.error("--url 须以 http:// 或 https:// 开头 / must start with http:// or https://")
    return args


def _estimated_rows(path: Path) -> int | None:
    """Lines in the file less a CSV header: the bar's total (quoted line breaks make it rough)."""
    try:
        with path.open("rb") as handle:
            lines = sum(1 for line in handle if line.strip())
    except OSError:
        return None
    return max(lines - (path.suffix.lower() == ".csv"), 0)


def main(
    argv: Sequence[str] | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The exit code; `transport` and `sleep` let tests stand in for the network and the clock."""
    try:
        args = _arguments(argv)
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    tally = Tally()
    try:
        _run(args, tally, transport, sleep)
    except ListFileError as exc:
        print_summary(tally, dry_run=args.dry_run)
        print(f"file error / 文件错误: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:  # a malformed setting in the environment
        print(f"settings error / 配置错误: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ServiceRefusedError as exc:
        print_summary(tally, dry_run=args.dry_run)
        print(
            f"service refused / 服务拒绝 (HTTP {exc.status or '-'}): {exc.detail}", file=sys.stderr
        )
        print("stopped: send the same file again once the service takes it", file=sys.stderr)
        return EXIT_SERVICE
    print_summary(tally, dry_run=args.dry_run)
    return EXIT_REJECTED_ROWS if tally.rejected else EXIT_OK


def _run(
    args: argparse.Namespace,
    tally: Tally,
    transport: httpx.BaseTransport | None,
    sleep: Callable[[float], None],
) -> None:
    credit_list = CreditList(args.list)
    rows = read_list_file(args.file, credit_list)
    # disable=None: a bar on a terminal, none in a log file or a pipe.
    with tqdm(rows, total=_estimated_rows(args.file), unit="row", disable=None) as bar:
        if args.dry_run:
            ingest(bar, None, args.batch, tally)
            return
        headers = {"Authorization": f"Bearer {operator_token(args.operator)}"}
        with httpx.Client(
            base_url=args.url, headers=headers, transport=transport, timeout=30
        ) as client:

            def send(batch: Sequence[ListEntry]) -> BatchOutcome:
                return send_batch(client, credit_list, batch, sleep=sleep)

            ingest(bar, send, args.batch, tally)


if __name__ == "__main__":
    sys.exit(main())
