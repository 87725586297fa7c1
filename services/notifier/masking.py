"""Personal data masked for operators' eyes: the dashboard shows dead letters, not identities.

The raw payload stays in the dead-letter store, where a re-drive needs it; only the view is
masked. A JSON payload is masked by field (identity numbers, mobiles, e-mails, bank accounts,
and the name of any person object); bytes that are not JSON are masked by pattern.
"""

from __future__ import annotations

import json
import re
from typing import Any

from service_runtime.masking import mask_value

PERSONAL_FIELDS = frozenset({"id_number", "mobile", "phone", "email", "account_number"})
# A person object is one that carries an identity or a contact: its `name` is personal too.
PERSON_MARKERS = frozenset({"id_number", "mobile", "email"})
_LONG_NUMBER = re.compile(r"\d{6,}[0-9Xx]?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def mask_payload(payload: str) -> str:
    try:
        parsed = json.loads(payload)
    except ValueError:
        return _mask_text(payload)
    return json.dumps(_mask(parsed), ensure_ascii=False)


def _mask(node: Any) -> Any:  # noqa: ANN401 - any JSON value
    if isinstance(node, list):
        return [_mask(item) for item in node]
    if not isinstance(node, dict):
        return _mask_text(node) if isinstance(node, str) else node
    person = not PERSON_MARKERS.isdisjoint(node)
    return {
        key: mask_value(value)
        if value and (key in PERSONAL_FIELDS or (person and key == "name"))
        else _mask(value)
        for key, value in node.items()
    }


def _mask_text(text: str) -> str:
    text = _EMAIL.sub(lambda m: mask_value(m.group(0)), text)
    return _LONG_NUMBER.sub(lambda m: mask_value(m.group(0)), text)
