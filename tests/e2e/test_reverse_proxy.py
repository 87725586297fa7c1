"""The production reverse proxy (deploy/nginx/), run for real: Debian's nginx with the shipped
template, TLS with a certificate made for the test, in front of the live local stack.

One origin must serve the enterprise's API (registration and notifier parts), the live stream
unbuffered, the page and the dashboard, redirect plain HTTP, and keep /metrics inside.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from string import Template
from typing import Any
from uuid import uuid4

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import LiveStack, with_unique_name
from tools.localstack import free_port, wait_for_port

TEMPLATE = (
    Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "enterprise-page.conf.template"
)
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STREAM_TIMEOUT = 60.0


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "proxy.crt", directory / "proxy.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Proxy:
    def __init__(self, https_port: int, http_port: int, certificate: Path) -> None:
        self.url = f"https://127.0.0.1:{https_port}"
        self.plain_url = f"http://127.0.0.1:{http_port}"
        self.certificate = certificate

    def client(self, **options: object) -> httpx.AsyncClient:
        trust = ssl.create_default_context(cafile=str(self.certificate))
        return httpx.AsyncClient(base_url=self.url, verify=trust, timeout=30, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def proxy(live_stack: LiveStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make test` installs it (tools/install_test_packages.sh)")
    directory = tmp_path_factory.mktemp("nginx")
    directory.chmod(0o777)  # nginx's workers (nobody, when started as root) write temp files
    certificate, key = self_signed(directory)
    https_port, http_port = free_port(), free_port()
    site = Template(TEMPLATE.read_text("utf-8")).safe_substitute(
        REGISTRATION_UPSTREAM=f"127.0.0.1:{live_stack.ports['registration']}",
        NOTIFIER_UPSTREAM=f"127.0.0.1:{live_stack.ports['notifier']}",
        PROXY_HTTPS_LISTEN=f"127.0.0.1:{https_port}",
        PROXY_HTTP_LISTEN=f"127.0.0.1:{http_port}",
        PUBLIC_HOST="127.0.0.1",
        TLS_CERTIFICATE=str(certificate),
        TLS_CERTIFICATE_KEY=str(key),
    )
    (directory / "enterprise-page.conf").write_text(site, "utf-8")
    temp = "".join(
        f"{kind}_temp_path {directory / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (directory / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}include {directory / 'enterprise-page.conf'};\n}}\n",
        "utf-8",
    )
    command = [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(https_port, process)
        yield Proxy(https_port, http_port, certificate)
    finally:
        process.terminate()
        process.wait(10)


async def test_one_origin_takes_a_registration_to_completed_over_tls(
    proxy: Proxy, sample_form: dict[str, Any]
) -> None:
    form = with_unique_name(sample_form)
    async with proxy.client() as client:
        response = await client.post(
            "/api/v1/registrations", json=form, headers={"Idempotency-Key": uuid4().hex}
        )
        assert response.status_code == 202, response.text
        rid, token = response.json()["registration_id"], response.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        end, started = None, time.monotonic()
        # The notifier's live stream through the proxy: events arrive as written, not buffered.
        async with client.stream("GET", f"/api/v1/registrations/{rid}/stream", headers=auth) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            event = None
            async for line in r.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "end":
                    end = json.loads(line[6:])
                    break
                assert time.monotonic() - started < STREAM_TIMEOUT
        assert end is not None
        assert end["overall_status"] == "completed"
        timeline = await client.get(f"/api/v1/registrations/{rid}/timeline", headers=auth)
        assert timeline.status_code == 200
        assert timeline.json()["overall_status"] == "completed"
        assert timeline.headers["strict-transport-security"].startswith("max-age=")


async def test_one_origin_serves_the_page_the_dashboard_and_the_public_key(proxy: Proxy) -> None:
    async with proxy.client() as client:
        for path in ("/page", "/ops"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html"), path
        key = await client.get("/.well-known/licence-signing-key")
        assert key.status_code == 200
        names = await client.get("/api/v1/names/check", params={"name": "x", "area": "440115"})
        assert names.status_code != 404  # reached the registration service, whatever it says


async def test_metrics_stay_inside_and_plain_http_is_redirected(proxy: Proxy) -> None:
    async with proxy.client() as client:
        assert (await client.get("/metrics")).status_code == 404
        assert (await client.get("/healthz")).status_code == 404
    async with httpx.AsyncClient(timeout=10) as plain:
        response = await plain.get(f"{proxy.plain_url}/page")
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://127.0.0.1")
