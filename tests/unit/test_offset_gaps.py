"""A consumer never steps over an offset the broker has not stored yet; a lasting gap is accepted."""

from dataclasses import dataclass, field

from aiokafka.structs import TopicPartition

from service_runtime.offset_gaps import OffsetGaps

P = TopicPartition("department.status.v1", 6)


@dataclass
class Record:
    offset: int


@dataclass
class Consumer:
    partitions: set[TopicPartition] = field(default_factory=lambda: {P})
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)

    def assignment(self) -> set[TopicPartition]:
        return self.partitions

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))


def records(*offsets: int) -> list[Record]:
    return [Record(o) for o in offsets]


def test_a_record_missing_between_batches_is_read_again_before_anything_after_it() -> None:
    gaps, consumer = OffsetGaps(), Consumer()
    assert gaps.contiguous(consumer, {P: records(564, 565)}) == {P: records(564, 565)}
    # 566 was not stored yet when the fetch ran; 567 was.
    assert gaps.contiguous(consumer, {P: records(567)}) == {}
    assert consumer.seeks == [(P, 566)]
    assert gaps.contiguous(consumer, {P: records(566, 567)}) == {P: records(566, 567)}


def test_a_gap_inside_one_fetch_keeps_what_came_before_it() -> None:
    gaps, consumer = OffsetGaps(), Consumer()
    assert gaps.contiguous(consumer, {P: records(10, 11, 13, 14)}) == {P: records(10, 11)}
    assert consumer.seeks == [(P, 12)]
    assert gaps.contiguous(consumer, {P: records(12, 13, 14)}) == {P: records(12, 13, 14)}


def test_a_gap_that_never_fills_is_accepted_after_the_retries() -> None:
    gaps, consumer = OffsetGaps(max_retries=3), Consumer()
    gaps.contiguous(consumer, {P: records(1)})
    for _ in range(3):
        assert gaps.contiguous(consumer, {P: records(5)}) == {}
    assert gaps.contiguous(consumer, {P: records(5)}) == {P: records(5)}
    assert len(consumer.seeks) == 3
    assert gaps.contiguous(consumer, {P: records(6)}) == {P: records(6)}


def test_a_revoked_partition_starts_afresh_when_it_comes_back() -> None:
    gaps, consumer = OffsetGaps(), Consumer()
    gaps.contiguous(consumer, {P: records(1, 2)})
    consumer.partitions = set()
    gaps.contiguous(consumer, {})
    consumer.partitions = {P}
    # Another member consumed meanwhile: its committed position is where this one resumes.
    assert gaps.contiguous(consumer, {P: records(40)}) == {P: records(40)}
    assert consumer.seeks == []
