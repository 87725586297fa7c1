from service_runtime.access import (
    Officer,
    issue_access_token,
    issue_officer_token,
    read_officer_token,
    token_grants,
)


def test_an_access_token_grants_only_its_own_registration():
    token = issue_access_token("s", "a" * 32)
    assert token_grants("s", "a" * 32, token)
    assert not token_grants("s", "b" * 32, token)
    assert not token_grants("other-secret", "a" * 32, token)


def test_officer_tokens_are_signed_scoped_and_expire():
    officer = Officer("p-1", "police", "supervisor")
    assert read_officer_token("s", issue_officer_token("s", officer)) == officer
    assert read_officer_token("other", issue_officer_token("s", officer)) is None
    assert read_officer_token("s", issue_officer_token("s", officer, hours=-1)) is None
    claims, _, mac = issue_officer_token("s", officer).partition(".")
    assert read_officer_token("s", claims[:-2] + "xx." + mac) is None
    assert read_officer_token("s", "garbage") is None
