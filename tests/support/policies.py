"""Publish a policy notice through the operators' API of a running stack, as an operator would."""

import httpx

from service_runtime.access import issue_operator_token
from service_runtime.settings import Settings


async def publish_policy(
    client: httpx.AsyncClient,
    notifier_url: str,
    industry_code: str,
    title: tuple[str, str],
    body: tuple[str, str],
    operator: str = "ops-test",
) -> str:
    """The policy's id; it targets enterprises whose industry code starts with `industry_code`."""
    secret = Settings().operator_token_secret.get_secret_value()  # the stack's default
    published = await client.post(
        f"{notifier_url}/ops/api/policies",
        headers={"Authorization": f"Bearer {issue_operator_token(secret, operator)}"},
        json={
            "title_zh": title[0],
            "title_en": title[1],
            "body_zh": body[0],
            "body_en": body[1],
            "targeting": {"industry_code_prefixes": [industry_code]},
        },
    )
    assert published.status_code == 202, published.text
    policy_id: str = published.json()["policy_id"]
    return policy_id
