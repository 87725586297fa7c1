import base64
import json
import time
from typing import Any

import pytest

from service_runtime.access import (
    Officer,
    _mac,
    access_token_version,
    issue_access_token,
    issue_officer_token,
    issue_operator_token,
    read_claims,
    read_officer_token,
    read_operator_token,
    sign_claims,
    token_grants,
)
from service_runtime.settings import Settings

CAP = Settings().officer_token_max_hours


def test_an_access_token_grants_only_its_own_registration() -> None:
    token = issue_access_token("s", "a" * 32)
    assert token_grants("s", "a" * 32, token)
    assert not token_grants("s", "b" * 32, token)
    assert not token_grants("other-secret", "a" * 32, token)


def test_officer_tokens_are_signed_scoped_and_expire() -> None:
    officer = Officer("p-1", "police", "supervisor")
    assert read_officer_token("s", issue_officer_token("s", officer), max_hours=CAP) == officer
    assert read_officer_token("other", issue_officer_token("s", officer), max_hours=CAP) is None
    assert (
        read_officer_token("s", issue_officer_token("s", officer, hours=-1), max_hours=CAP) is None
    )
    claims, _, mac = issue_officer_token("s", officer).partition(".")
    assert read_officer_token("s", claims[:-2] + "xx." + mac, max_hours=CAP) is None
    assert read_officer_token("s", "garbage", max_hours=CAP) is None


def hand_signed(purpose: str, claims: dict[str, Any]) -> str:
    """A token with exactly these claims, signed with the right secret: only the lifetime is off."""
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{encoded}.{_mac('s', f'{purpose}:{encoded}')}"


def test_default_caps_fit_the_lifetimes_the_system_mints() -> None:
    settings = Settings()
    assert settings.officer_token_max_hours >= 10  # one working day (OFFICER_TOKEN_HOURS)
    assert settings.operator_token_max_hours >= 10  # tools.operator_token's default


def test_a_million_hour_operator_token_is_refused() -> None:
    cap = Settings().operator_token_max_hours
    token = issue_operator_token("s", "ops-1", hours=1_000_000)
    assert read_operator_token("s", token, max_hours=cap) is None
    assert read_operator_token("s", issue_operator_token("s", "ops-1"), max_hours=cap) == "ops-1"


@pytest.mark.parametrize("hours", [CAP + 0.01, 24, 10_000])
def test_an_officer_token_minted_for_longer_than_the_cap_is_refused(hours: float) -> None:
    token = issue_officer_token("s", Officer("t-1", "tax"), hours=hours)
    assert read_officer_token("s", token, max_hours=CAP) is None
    assert read_officer_token("s", token, max_hours=hours) is not None  # a cap set that high


def test_a_token_issued_in_the_future_or_without_issue_time_cannot_outlive_the_cap() -> None:
    now = int(time.time())
    future = hand_signed("operator", {"sub": "o", "iat": now + 86_400, "exp": now + 90_000})
    assert read_claims("s", "operator", future, max_hours=12) is None
    old_style = hand_signed("operator", {"sub": "o", "exp": now + 3_600_000})  # no iat
    assert read_claims("s", "operator", old_style, max_hours=12) is None
    old_and_short = hand_signed("operator", {"sub": "o", "exp": now + 3_600})
    assert read_claims("s", "operator", old_and_short, max_hours=12) == {
        "sub": "o",
        "exp": now + 3_600,
    }


def test_a_token_just_inside_the_cap_is_accepted() -> None:
    token = sign_claims("s", "session", {"rids": ["a"]}, hours=12)
    claims = read_claims("s", "session", token, max_hours=12)
    assert claims is not None
    assert claims["rids"] == ["a"]
    assert read_claims("s", "session", token, max_hours=11.9) is None


def test_the_operator_token_tool_refuses_to_mint_past_the_cap(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools import operator_token  # noqa: PLC0415 - the command-line tool under test

    monkeypatch.setattr("sys.argv", ["operator_token", "--operator", "o", "--hours", "1000000"])
    with pytest.raises(SystemExit):
        operator_token.main()
    assert "OPERATOR_TOKEN_MAX_HOURS" in capsys.readouterr().err


def test_a_renewed_access_token_has_a_version_and_revokes_the_older_ones() -> None:
    secret, rid = "s" * 40, "ab" * 16
    first = issue_access_token(secret, rid)
    assert "." not in first  # version 0: the token every submission hands out
    second = issue_access_token(secret, rid, 1)
    assert access_token_version(secret, rid, first) == 0
    assert access_token_version(secret, rid, second) == 1
    assert token_grants(secret, rid, second, min_version=1)
    assert not token_grants(secret, rid, first, min_version=1)  # revoked by the renewal
    assert access_token_version(secret, "cd" * 16, second) is None  # another registration's


@pytest.mark.parametrize(
    "forged",
    ["2." + "A" * 43, "01.abc", "x.abc", "1234567.abc", "-1.abc", ".abc", "1.", "²." + "A" * 43],
)
def test_a_malformed_or_forged_versioned_token_grants_nothing(forged: str) -> None:
    assert access_token_version("s" * 40, "ab" * 16, forged) is None
