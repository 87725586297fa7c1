"""Cookie-authenticated writes come from our own pages, as JSON, or not at all.

SameSite=Lax already keeps the session cookie off most cross-site requests, but not off every
one (a top-level navigation, an older browser, a sibling subdomain). Before any body is read,
a write under a guarded path is refused when the browser says it comes from another site
(`Sec-Fetch-Site`), when its `Origin` is not this service's, or when its body is not JSON: an
HTML form on another site can only send form encodings or text/plain, and a cross-site script
that asks for JSON must first pass a CORS preflight, which this service never grants.
Clients that are not browsers send neither header and are judged by their credentials alone.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from service_runtime.problems import problem_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
SAME_SITE_FETCHES = frozenset({"same-origin", "none"})  # "none": the user typed or bookmarked it


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


class SameOriginWrites:
    def __init__(
        self, app: ASGIApp, *, guarded_prefixes: Collection[str], public_origins: Collection[str]
    ) -> None:
        self.app = app
        self.guarded_prefixes = tuple(guarded_prefixes)
        self.public_origins = frozenset(origin_of(o) for o in public_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in UNSAFE_METHODS
            or not scope["path"].startswith(self.guarded_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope, Headers(scope=scope))
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, code = refusal
        await problem_response(status, code)(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site.lower() not in SAME_SITE_FETCHES:
            return 403, "cross_site_request"
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self._own_origins(scope, headers):
            return 403, "cross_site_request"
        if scope["method"] in BODY_METHODS and not is_json(headers.get("content-type", "")):
            return 415, "json_required"
        return None

    def _own_origins(self, scope: Scope, headers: Headers) -> frozenset[str]:
        # The address the browser used (behind a trusted proxy, uvicorn has already put the
        # proxy's scheme in the scope), and the configured public URL.
        host = headers.get("host", "")
        return self.public_origins | {f"{scope.get('scheme', 'http')}://{host}".lower()}
