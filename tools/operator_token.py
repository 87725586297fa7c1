"""Mint an operator token for the dashboard at /ops (uses OPERATOR_TOKEN_SECRET, like the notifier).

python -m tools.operator_token --operator ops-001 [--hours 10]
"""

from __future__ import annotations

import argparse

from service_runtime.access import issue_operator_token
from service_runtime.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--operator", required=True, help="the operator's staff id")
    parser.add_argument("--hours", type=float, default=10.0)
    args = parser.parse_args()
    settings = Settings()
    cap = settings.operator_token_max_hours
    if not 0 < args.hours <= cap:
        # The notifier would refuse such a token anyway; say so now, not at the first request.
        parser.error(
            f"--hours 须在 0 到 {cap:g} 之间 / must be more than 0 and at most {cap:g} "
            "(OPERATOR_TOKEN_MAX_HOURS)"
        )
    secret = settings.operator_token_secret.get_secret_value()
    print(issue_operator_token(secret, args.operator, args.hours))


if __name__ == "__main__":
    main()
