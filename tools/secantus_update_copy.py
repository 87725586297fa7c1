"""An update copies the stored document with a copier for plain documents, not `copy.deepcopy`.

SecantusDB 0.7.0b3 applies an update operator to `copy.deepcopy` of the document it decoded
(`secantus.update.apply_update`), so the old document stays intact for its index maintenance and
its "did anything change" test. A py-spy profile of the embedded database at 10
registrations/s put about 5% of its samples in `deepcopy`'s general machinery (its memo, its
dispatch per type) for timelines of 5-7 KB made of dicts, lists and scalars.
`service_runtime.aggregates.copy_document` makes the same copy three to four times faster and
falls back to `copy.deepcopy` for any other type; this hands it to that module only.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

from secantus import update

from service_runtime.aggregates import copy_document


def install() -> None:
    """Patch SecantusDB's update module in this process; call before serving."""
    # `update` reads `copy.deepcopy` through its module global: only that module sees this.
    update.copy = SimpleNamespace(deepcopy=copy_document, copy=copy.copy)
