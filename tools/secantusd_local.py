"""The embedded database for `make run` and the tests: SecantusDB with its TTL monitor off and
its catalogue kept in memory.

Its TTL monitor reads every document of every TTL collection once a minute, under the lock every
write waits for (measured: 4.4 s for 155,000 spans; a 10-minute soak's p99 grew to 6 s). The
`ttl_sweep_seconds` setting it documents is read from its config file but not passed on by its
command line (secantus/cli.py, 0.7.0b3), so this starts the same command with the monitor off.
The services delete what expired themselves (service_runtime/retention.py).

It also reads its index catalogue from disk for every statement; `tools/secantus_catalog.py`
keeps it in memory instead, as MongoDB does. And it rewrites every index entry of a document on
each update; `tools/secantus_index_updates.py` rewrites only those whose keys can have changed,
as MongoDB does. Its updates copy each document with `copy.deepcopy`;
`tools/secantus_update_copy.py` hands them a copier for plain documents.

It is a Python process whose threads share one interpreter, so each full garbage collection
stops every statement: the modules it imports are about 84,000 objects that each one walked.
They are frozen out of collections before it serves (service_runtime/heap.py does the same for
the services).
"""

from __future__ import annotations

import functools
import sys

from secantus import cli
from secantus.server import SecantusDBServer

from service_runtime.heap import freeze_startup_heap
from tools import secantus_catalog, secantus_index_updates, secantus_update_copy

if __name__ == "__main__":
    secantus_catalog.install()
    secantus_index_updates.install()
    secantus_update_copy.install()
    cli.SecantusDBServer = functools.partial(SecantusDBServer, ttl_sweep_seconds=0)
    freeze_startup_heap()
    sys.exit(cli.main())
