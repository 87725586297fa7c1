"""A local stand-in for the postal carrier (免费邮寄), for `make run` and the tests.

It speaks the carrier adapter's protocol (services/registration/carrier.py): `POST /orders`
takes an order and answers a tracking number; then, as a real carrier's scans would, it reports
`in_transit` and `delivered` to the registration service's `POST /api/v1/deliveries/tracking`
with the webhook token, each after `--step-seconds`. It keeps nothing but tracking numbers and
logs no recipient data.

    python -m tools.carrier_standin --port 8090 --callback http://127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from service_runtime.settings import RegistrationSettings

CARRIER_NAME = "本地邮政（模拟） Local post (stand-in)"
REPORT_ATTEMPTS = 10


def filled(document: Any, *names: str) -> bool:  # noqa: ANN401 - JSON
    return isinstance(document, dict) and all(
        isinstance(document.get(n), str) and document[n] for n in names
    )


def order_is_complete(order: dict[str, Any]) -> bool:
    recipient = order.get("recipient")
    return (
        filled(order, "reference")
        and filled(recipient, "name", "mobile")
        and filled(
            recipient.get("address") if isinstance(recipient, dict) else None, "city", "street"
        )
    )


class Carrier(ThreadingHTTPServer):
    callback: str
    token: str
    webhook_token: str
    step_seconds: float

    def report(self, tracking_number: str) -> None:
        """in_transit, then delivered: each retried until the registration service answers."""
        url = self.callback.rstrip("/") + "/api/v1/deliveries/tracking"
        headers = {"Authorization": f"Bearer {self.webhook_token}"}
        for state in ("in_transit", "delivered"):
            time.sleep(self.step_seconds)
            for _ in range(REPORT_ATTEMPTS):
                body = {"tracking_number": tracking_number, "state": state}
                try:
                    if httpx.post(url, json=body, headers=headers, timeout=5).is_success:
                        print(f"reported {tracking_number} {state}", flush=True)
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(1)


class OrderHandler(BaseHTTPRequestHandler):
    server: Carrier

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer(200 if self.path == "/healthz" else 404, {})

    def do_POST(self) -> None:
        if self.path != "/orders":
            self._answer(404, {"error": "not found"})
            return
        if self.server.token and self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._answer(401, {"error": "unauthorised"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            order = json.loads(self.rfile.read(min(length, 65_536)) or b"null")
        except json.JSONDecodeError:
            order = None
        if not isinstance(order, dict) or not order_is_complete(order):
            self._answer(422, {"error": "an order needs a reference and a full recipient"})
            return
        tracking = f"LP{secrets.randbelow(10**12):012d}"
        threading.Thread(target=self.server.report, args=(tracking,), daemon=True).start()
        print(f"accepted an order: {tracking}", flush=True)
        self._answer(201, {"carrier": CARRIER_NAME, "tracking_number": tracking})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401
        """Quiet: the request lines would add nothing the prints above do not say."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--callback", required=True, help="the registration service's URL")
    parser.add_argument("--step-seconds", type=float, default=3.0)
    args = parser.parse_args()
    server = Carrier(("127.0.0.1", args.port), OrderHandler)
    server.callback, server.step_seconds = args.callback, args.step_seconds
    # The same settings the registration service reads: the tokens agree by construction.
    settings = RegistrationSettings()
    server.token = settings.carrier_token.get_secret_value()
    server.webhook_token = settings.carrier_webhook_token.get_secret_value()
    print(f"carrier stand-in on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
