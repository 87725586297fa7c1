"""Never step over a record the broker has not finished writing.

Kafka hands out offsets in order and never shows offset N+1 before N. The local Tansu broker
can: it raises a partition's high watermark before it stores the batch, so when two producers
write to one partition at once, a fetch may find the later batch stored and the earlier not yet.
The consumer then moves past the missing offset and never reads it. Seen here in a 3,000
registration soak: one department's approval, on the topic at offset 566, was never folded
into the timeline while 565 and 567 were, and that registration never completed.

So a consumer checks that each partition's records continue where the last batch ended. At a
gap it keeps what came before the gap, seeks back to the missing offset and reads it again on
the next poll; by then the batch is stored. On real Kafka there are no such gaps (we use no
transactions, whose markers would be one), and a gap that lasts through `max_retries` polls is
accepted and logged rather than blocking the partition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog

log = structlog.get_logger("offset_gaps")


class OffsetGaps:
    def __init__(self, max_retries: int = 50) -> None:
        self.max_retries = max_retries
        self._next: dict[Any, int] = {}  # partition -> the offset expected next
        self._retries: dict[Any, int] = {}

    def contiguous(
        self,
        consumer: Any,  # noqa: ANN401 - an aiokafka consumer
        batches: Mapping[Any, Sequence[Any]],
    ) -> dict[Any, list[Any]]:
        """The records that continue each partition without a gap; rewinds to any gap."""
        assigned = consumer.assignment()
        for partition in [p for p in self._next if p not in assigned]:
            del self._next[partition]  # revoked: it starts afresh if it comes back
            self._retries.pop(partition, None)
        kept: dict[Any, list[Any]] = {}
        for partition, records in batches.items():
            before_gap = self._before_gap(consumer, partition, records)
            if before_gap:
                kept[partition] = before_gap
                self._next[partition] = before_gap[-1].offset + 1
        return kept

    def _before_gap(self, consumer: Any, partition: Any, records: Sequence[Any]) -> list[Any]:  # noqa: ANN401
        expected = self._next.get(partition, records[0].offset if records else 0)
        for index, record in enumerate(records):
            if record.offset > expected:
                gap = {
                    "topic": partition.topic,
                    "partition": partition.partition,
                    "missing_from": expected,
                    "next_offset": record.offset,
                }
                retries = self._retries.get(partition, 0)
                if retries >= self.max_retries:
                    log.error("offset_gap_accepted", **gap)
                    self._retries.pop(partition, None)
                    return list(records)
                self._retries[partition] = retries + 1
                log.info("offset_gap_rewound", **gap)
                consumer.seek(partition, expected)
                return list(records[:index])
            expected = record.offset + 1
        self._retries.pop(partition, None)
        return list(records)
