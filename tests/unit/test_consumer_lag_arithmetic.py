"""Lag per partition: the arithmetic the dashboard's numbers rest on."""

import pytest

from service_runtime.lag import NO_COMMIT, partition_lag


@pytest.mark.parametrize(
    ("committed", "beginning", "end", "lag"),
    [
        (5, 0, 12, 7),  # end - committed
        (12, 0, 12, 0),  # caught up
        (NO_COMMIT, 0, 12, 12),  # never committed: the whole log
        (NO_COMMIT, 4, 12, 8),  # ... from the first record still there
        (2, 4, 12, 8),  # committed records retention already removed
        (13, 0, 12, 0),  # a commit past the end offset (a truncated log)
        (NO_COMMIT, 0, 0, 0),  # empty partition
    ],
)
def test_partition_lag(committed: int, beginning: int, end: int, lag: int) -> None:
    assert partition_lag(committed, beginning, end) == lag
