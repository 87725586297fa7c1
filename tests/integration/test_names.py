"""Enterprise names over HTTP: structure, uniqueness per area, and the pre-submission check."""

import copy
from typing import Any

import httpx
import pytest

from tests.conftest import LiveStack, submit, with_unique_name

pytestmark = pytest.mark.integration


async def post(
    client: httpx.AsyncClient, live_stack: LiveStack, form: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"{live_stack.registration_url}/api/v1/registrations", json=form)


async def check(
    client: httpx.AsyncClient, live_stack: LiveStack, name: str, area: str = "nansha"
) -> dict[str, Any]:
    response = await client.get(
        f"{live_stack.registration_url}/api/v1/names/check", params={"name": name, "area": area}
    )
    assert response.status_code == 200
    checked: dict[str, Any] = response.json()
    return checked


async def test_a_name_taken_in_an_area_is_refused_there_and_free_elsewhere(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        name = sample_form["enterprise"]["name"]
        assert (await check(client, live_stack, name))["available"] is False
        again = await post(client, live_stack, sample_form)
        assert again.status_code == 422
        assert [e["rule"] for e in again.json()["errors"]] == ["name_taken_in_area"]
        elsewhere = copy.deepcopy(sample_form)
        elsewhere["enterprise"]["area"] = "hengqin"
        assert (await post(client, live_stack, elsewhere)).status_code == 202
        withdrawn = await client.post(
            f"{live_stack.registration_url}/api/v1/registrations/{rid}/withdraw",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert withdrawn.status_code == 202
        assert (await check(client, live_stack, name))["available"] is True  # released


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("示例信息科技有限公司", ["name_division_missing"]),
        ("广州甲科技有限公司", ["name_trade_name_too_short"]),
        ("广州南沙甲乙丙有限公司", ["name_industry_missing"]),
        ("广州南沙甲乙丙科技股份有限公司", ["name_organisational_form_mismatch"]),
    ],
)
async def test_a_name_without_its_four_parts_is_refused_with_the_missing_part(
    live_stack: LiveStack, sample_form: dict[str, Any], name: str, rules: list[str]
) -> None:
    sample_form["enterprise"]["name"] = name
    async with httpx.AsyncClient(timeout=10) as client:
        response = await post(client, live_stack, sample_form)
        assert response.status_code == 422
        assert [e["rule"] for e in response.json()["errors"]] == rules
        assert all(
            e["path"] == "enterprise.name" and e["message_zh"] for e in response.json()["errors"]
        )
        checked = await check(client, live_stack, name)
        assert checked["available"] is False
        assert [e["rule"] for e in checked["errors"]] == rules


async def test_the_check_splits_a_good_name_into_its_parts(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    name = with_unique_name(sample_form)["enterprise"]["name"]
    async with httpx.AsyncClient(timeout=10) as client:
        checked = await check(client, live_stack, name)
        assert checked["available"] is True
        assert checked["parts"]["division"] == "广州南沙"
        assert checked["parts"]["industry"] == "科技"
        assert checked["parts"]["organisational_form"] == "有限公司"
        bad_area = await client.get(
            f"{live_stack.registration_url}/api/v1/names/check",
            params={"name": name, "area": "mars"},
        )
        assert bad_area.status_code == 422


async def test_the_catalogue_search_and_a_scope_outside_it(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        found = await client.get(
            f"{live_stack.registration_url}/api/v1/catalogue/business-scope", params={"q": "软件"}
        )
        assert found.status_code == 200
        first = found.json()["items"][0]
        assert (first["name"], first["permit"]) == ("软件开发", "none")
        with_unique_name(sample_form)["enterprise"]["business_scope"] = ["软件开发", "卖药"]
        refused = await post(client, live_stack, sample_form)
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["path"] == "enterprise.business_scope.1"
        assert "药品零售" in error["suggestions"]
