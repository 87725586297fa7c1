"""The per-client sliding window: refuses the request over the limit, forgets old ones."""

import pytest

from service_runtime.problems import Problem
from service_runtime.ratelimit import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_request_over_the_limit_gets_429_with_retry_after_and_others_are_unaffected() -> None:
    clock = Clock()
    limit = RateLimit(3, clock=clock, name="sign-ins")
    for _ in range(3):
        limit.check("10.0.0.1")
    with pytest.raises(Problem) as refused:
        limit.check("10.0.0.1")
    assert refused.value.status == 429
    assert refused.value.extra["retry_after"] == 61
    limit.check("10.0.0.2")  # another client has its own window
    clock.now += 30
    with pytest.raises(Problem):
        limit.check("10.0.0.1")
    clock.now += 30  # the first three are a minute old now
    limit.check("10.0.0.1")


def test_refused_requests_do_not_extend_the_window() -> None:
    clock = Clock()
    limit = RateLimit(1, clock=clock)
    limit.check("a")
    for _ in range(5):
        clock.now += 10
        with pytest.raises(Problem):
            limit.check("a")
    clock.now += 10.1
    limit.check("a")
