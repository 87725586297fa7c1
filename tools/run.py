"""`make run`: the whole system locally on embedded defaults, in the foreground until Ctrl-C."""

from __future__ import annotations

import functools
import signal
import sys
import time

from tools.localstack import ROOT, SERVICES, port_is_free, running_stack
from tools.supervisor import Supervisor

DATA_DIR = ROOT / ".devdata"


def main() -> int:
    busy = [p for p in (9092, 27017, *dict(SERVICES).values()) if not port_is_free(p)]
    if busy:
        print(
            f"端口已被占用 / ports already in use: {busy}. Stop the other stack first.",
            file=sys.stderr,
        )
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))  # the terminal went away
    # A shell may start background jobs with SIGINT ignored; Ctrl-C must always stop the stack.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("starting broker, database and services … (logs in .devdata/logs/)", flush=True)
    try:
        with running_stack(DATA_DIR, dict(SERVICES), kafka_port=9092, mongo_port=27017) as stack:
            print(f"Kafka    {stack.kafka}\nMongoDB  {stack.mongodb_uri}")
            for service, port in SERVICES:
                print(f"{service:<16}http://127.0.0.1:{port}  (health: /healthz, API docs: /docs)")
            print(
                "\nSubmit the sample form:\n  curl -s -X POST http://127.0.0.1:8001/api/v1/registrations "
                "-H 'Content-Type: application/json' -H 'Idempotency-Key: readme-sample' "
                "--data @examples/registration.json\n"
                "\nThe enterprise page (submit the sample there too):  http://127.0.0.1:8002/page\n"
                "The operators' dashboard:  http://127.0.0.1:8002/ops  "
                "(token: .venv/bin/python -m tools.operator_token --operator ops-001)\n"
                "Press Ctrl-C to stop.",
                flush=True,
            )
            supervisor = Supervisor(
                report=lambda line: print(f"[supervisor] {line}", file=sys.stderr, flush=True)
            )
            for name, process in stack.processes.items():
                supervisor.watch(name, process, functools.partial(stack.respawn, name))
            while True:  # until Ctrl-C: a process that dies is started again (tools/supervisor.py)
                if "kafka" in supervisor.check() and stack.embedded_kafka:
                    # The in-memory broker came back empty: every service starts afresh, so it
                    # creates its topics and joins its groups again (docs/known-limits.md).
                    for name, _ in SERVICES:
                        stack.stop_process(name)
                        supervisor.watch(
                            name, stack.respawn(name), functools.partial(stack.respawn, name)
                        )
                time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopped cleanly", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
