"""A dropped database connection is a clear, retryable 503, never a 500."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import AutoReconnect

from service_runtime.problems import install_problem_handlers


def test_a_dropped_database_connection_is_a_bilingual_503_with_retry_after() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/api/v1/things")
    async def create() -> None:
        raise AutoReconnect("127.0.0.1:27017: connection closed")

    response = TestClient(app, raise_server_exceptions=False).post("/api/v1/things")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    body = response.json()
    assert body["code"] == "dependency_unavailable"
    assert "Idempotency-Key" in body["errors"][0]["message_en"]
    assert "27017" not in response.text  # no infrastructure detail to the client
