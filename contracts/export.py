"""Generate the committed contract files: one JSON Schema per event and the AsyncAPI document.

`python -m contracts.export` rewrites them; a test fails when the committed copies are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Union

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from contracts.dead_letter import DeadLetter
from contracts.form import RegistrationForm
from contracts.registry import REGISTRY, EventRegistry
from contracts.topics import dead_letter_topic

HERE = Path(__file__).parent
SCHEMA_DIR = HERE / "schemas"
ASYNCAPI_FILE = HERE / "asyncapi.json"

TOPIC_EVENTS: dict[str, type[BaseModel]] = REGISTRY.events  # one map: contracts/registry.py


def _event_type(model: type[BaseModel]) -> str:
    return str(model.model_fields["event_type"].default)


SCHEMA_FILES: dict[str, type[BaseModel]] = {
    **{f"{topic}.json": model for topic, model in TOPIC_EVENTS.items()},
    # A model that shares a topic is named by its event type (a change on the amendment topic).
    **{
        f"{_event_type(model)}.json": model
        for models in REGISTRY.sharing.values()
        for model in models
    },
    "dead-letter.json": DeadLetter,
    "registration-form.v1.json": RegistrationForm,
}


def json_schemas() -> dict[str, str]:
    return {
        name: json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True)
        + "\n"
        for name, model in SCHEMA_FILES.items()
    }


def _document_broker(registry: EventRegistry) -> KafkaBroker:
    """A broker that only declares the topology, typed, for the specification."""
    broker = KafkaBroker("kafka:9092", description="Enterprise Page event bus")
    events = registry.events
    dead_letter_topics = {dead_letter_topic(topic) for topic in events}
    for sub in registry.topology.subscriptions:
        for topic in sub.topics:
            models = (DeadLetter,) if topic in dead_letter_topics else registry.models_on(topic)
            model: Any = models[0] if len(models) == 1 else Union[models]  # noqa: UP007

            async def handler(event: BaseModel) -> None:
                """Documentation only."""

            handler.__annotations__ = {"event": model, "return": None}
            broker.subscriber(topic, group_id=sub.group_id, title=f"{sub.consumer}:{topic}")(
                handler
            )
    for topic, shared in registry.sharing.items():
        for model in shared:
            kind = _event_type(model)
            broker.publisher(
                topic, schema=model, title=f"publish:{kind}", description=model.__doc__
            )
    for topic, model in events.items():
        broker.publisher(topic, schema=model, title=f"publish:{topic}", description=model.__doc__)
        broker.publisher(
            dead_letter_topic(topic), schema=DeadLetter, title=f"publish:{dead_letter_topic(topic)}"
        )
    return broker


def asyncapi_document(registry: EventRegistry = REGISTRY) -> str:
    """The AsyncAPI document of the registry's topology (a new department's row included)."""
    spec = AsyncAPI(
        _document_broker(registry),
        title="Enterprise Page (企业专属网页) events",
        version="1.0.0",
        description="Topics, payloads and consumer groups. Key: registration_id. Dead letters: <topic>.dlq.",
    )
    document: Any = json.loads(spec.to_specification().to_json())
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def expected_files() -> dict[Path, str]:
    files = {SCHEMA_DIR / name: text for name, text in json_schemas().items()}
    files[ASYNCAPI_FILE] = asyncapi_document()
    return files


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for path, text in expected_files().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent)}")  # noqa: T201


if __name__ == "__main__":
    main()
