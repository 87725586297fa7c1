"""What a department's service may run besides its desk: more endpoints, and a screen.

Most departments decide from the form alone. Credit also looks the enterprise's persons up in
the source lists it keeps; that look-up is asynchronous and batched, so it runs before the
pure life cycle as a screen whose findings join the rules' reasons (lifecycle.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contracts.events import Artefact, Reason
from contracts.form import RegistrationForm

if TYPE_CHECKING:
    from fastapi import APIRouter

    from service_runtime.host import Runtime
    from service_runtime.settings import DepartmentSettings


@dataclass(frozen=True)
class Screened:
    """What a screen found for one form: reasons that join the rules', and artefacts issued
    with the approval (credit: the related persons' and enterprises' credit class)."""

    reasons: tuple[Reason, ...] = ()
    artefacts: tuple[Artefact, ...] = ()


# (registration id, form) for each form of a batch → what was found, per registration id.
Screen = Callable[[Sequence[tuple[str, RegistrationForm]]], Awaitable[Mapping[str, Screened]]]


@dataclass(frozen=True)
class Extended:
    """What an extension started: the parts its endpoints read, and its screen if any."""

    parts: object
    screen: Screen | None = None


@dataclass(frozen=True)
class Extension:
    routers: tuple[APIRouter, ...]
    # Opens its stores, registers its consumers and jobs on the runtime, returns its parts.
    start: Callable[[Runtime[DepartmentSettings]], Awaitable[Extended]]
