"""Mint an officer token scoped to one department (uses OFFICER_TOKEN_SECRET, like the services).

python -m tools.officer_token --department tax --officer tax-001 [--role supervisor]
"""

from __future__ import annotations

import argparse

from contracts.topology import TOPOLOGY
from service_runtime.access import Officer, issue_officer_token
from service_runtime.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--department", required=True, choices=[d.name for d in TOPOLOGY.departments]
    )
    parser.add_argument("--officer", required=True, help="the officer's staff id")
    parser.add_argument("--role", default="officer", choices=["officer", "supervisor"])
    args = parser.parse_args()
    secret = Settings().officer_token_secret.get_secret_value()
    print(issue_officer_token(secret, Officer(args.officer, args.department, args.role)))


if __name__ == "__main__":
    main()
