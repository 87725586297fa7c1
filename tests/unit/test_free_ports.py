"""The local stack's ports: never from the range the kernel gives outgoing connections, never
the same one twice (a client socket that took a port between the check and the bind cost a CI
run its chaos stack)."""

from __future__ import annotations

import socket

from tools.localstack import EPHEMERAL_RANGE, free_port


def test_ports_come_from_below_the_ephemeral_range_and_are_distinct_and_free() -> None:
    low = int(EPHEMERAL_RANGE.read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(1024 <= p < low for p in ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[0]))  # free for the service that asked
