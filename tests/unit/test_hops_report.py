"""`python -m tools.hops`: each consumer step timed from its trace's submit."""

from __future__ import annotations

from typing import Any

from tools.hops import SUBMIT, report, steps

MS = 1_000_000


def span(
    trace: str, name: str, kind: str, start_ms: float, end_ms: float, service: str = "s"
) -> dict[str, Any]:
    return {
        "trace_id": trace,
        "name": name,
        "kind": kind,
        "service": service,
        "start_ns": int(1_000 * MS + start_ms * MS),
        "end_ns": int(1_000 * MS + end_ms * MS),
    }


def registration(trace: str, decided_at: float) -> list[dict[str, Any]]:
    return [
        span(trace, SUBMIT, "server", 0, 5, "registration"),
        span(trace, "form process", "consumer", 20, 28, "police"),
        span(trace, "decided process", "consumer", decided_at, decided_at + 8, "police"),
        span(trace, "decided process", "consumer", decided_at + 30, decided_at + 31, "police"),
        span(trace, "enterprise_police.insert", "client", 22, 24, "police"),
    ]


def test_steps_are_timed_from_the_submit_earliest_first() -> None:
    spans = [s for i in range(100) for s in registration(f"t{i}", 60 + (i % 10))]
    found = steps(spans)
    assert [s.name for s in found] == ["police | form process", "police | decided process"]
    form, decided = found
    assert (form.traces, form.start_p50, form.end_p50) == (100, 20.0, 28.0)
    # The first decided span starts the step; the later one's end closes it.
    assert (decided.start_p50, decided.start_p99) == (65.0, 69.0)
    assert decided.end_p50 == 96.0
    assert "police | decided process" in report(found)


def test_traces_without_a_submit_and_rare_steps_are_left_out() -> None:
    spans = [s for i in range(30) for s in registration(f"t{i}", 60)]
    spans += [span("other", "form process", "consumer", 0, 1)]  # no submit in its trace
    spans += [span("t0", "rare process", "consumer", 40, 41)]
    found = steps(spans)
    assert {s.name for s in found} == {"police | form process", "police | decided process"}
    assert all(s.traces == 30 for s in found)
    assert steps(spans, min_traces=31) == []
