"""`make bench`'s probes: which processes are the stack's, and what the reports say of them."""

from __future__ import annotations

import math

import pytest

from tools.bench import percentile, summary
from tools.bench_probes import (
    Snapshot,
    _stack_process_name,
    idle_lines,
    per_registration,
    python_speed_ms,
)


@pytest.mark.parametrize(
    ("cmdline", "name"),
    [
        (["/repo/.venv/bin/python", "-m", "services", "tax"], "tax"),
        (["/usr/bin/python3", "-m", "services.notifier"], "notifier"),
        (["/root/.calfkit/bin/tansu-v0.6.0-510f3e2", "broker"], "kafka"),
        (["python", "-m", "tools.secantusd_local", "--port", "27017"], "mongodb"),
        (["/usr/bin/python3", "/venv/bin/secantusd-py", "--port", "1"], "mongodb"),
        (["python", "-m", "tools.bench"], None),  # the load client is not the stack
        (["python", "-m", "tools.run"], None),
        (["bash"], None),
    ],
)
def test_the_stack_is_named_by_its_command_line(cmdline: list[str], name: str | None) -> None:
    assert _stack_process_name(cmdline) == name


def test_idle_report_gives_each_process_share_of_a_core_and_the_total() -> None:
    before = {"kafka": 10.0, "notifier": 4.0}
    after = {"kafka": 11.2, "notifier": 4.3, "tax": 0.15}  # tax started meanwhile
    lines = idle_lines(before, after, 30.0)
    assert lines[0] == "idle stack        5.5% of one core over 30 s"
    assert "kafka 4.0" in lines[1]
    assert "notifier 1.0" in lines[1]
    assert "tax 0.5" in lines[1]


def test_costs_are_divided_by_the_registrations_completed() -> None:
    before = Snapshot({"kafka": 1.0}, {"insert": 10}, {"department.status.v1": 0})
    after = Snapshot({"kafka": 3.0}, {"insert": 110}, {"department.status.v1": 700})
    cpu, operations, messages = per_registration(before, after, 100)
    assert cpu.endswith("kafka 20.00  (total 20.00 ms)")
    assert operations.endswith("insert 1.00  (total 1.00 ops)")
    assert messages.endswith("department.status.v1 7.00  (total 7.00 messages)")
    assert per_registration(before, after, 0) == ["no registration completed: nothing to divide by"]


def test_the_machine_speed_is_a_time() -> None:
    took = python_speed_ms(rounds=1)
    assert math.isfinite(took)
    assert took > 0


def test_percentiles_are_read_from_the_sorted_values() -> None:
    values = [float(v) for v in range(1, 1001)]  # 1 … 1000 ms
    assert percentile(values, 50) == 500
    assert percentile(values, 99) == 990
    assert percentile(values, 99.9) == 999
    assert summary([]) == "none completed"
    assert summary(values).endswith("max 1000 ms")
