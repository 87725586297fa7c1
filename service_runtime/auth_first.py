"""Check credentials before FastAPI reads and parses a request body.

FastAPI reads and validates an endpoint's body before it runs any dependency, so an endpoint
whose token check is a dependency still parses whatever an anonymous caller sends (a 50 MB
policy draft allocated about 150 MB before its 401). A router built with `AuthFirstRoute` runs
the check an endpoint names with `@authenticated_first(check)` on the request's headers and
path first; only a request that passes it has its body read.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute

Check = Callable[[Request], object]  # raises a Problem to refuse
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_CHECK = "authenticated_first"


def authenticated_first(check: Check) -> Callable[[Endpoint], Endpoint]:
    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _CHECK, check)
        return endpoint

    return mark


class AuthFirstRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        check: Check | None = getattr(self.endpoint, _CHECK, None)
        if check is None:
            return handler

        async def checked_handler(request: Request) -> Response:
            check(request)
            return await handler(request)

        return checked_handler
