"""Check the audit log: every record's hash and links, and every signed checkpoint.

python -m tools.audit verify [--public-key BASE64]
python -m tools.audit public-key

Reads the notifier's database from MONGODB_URI and MONGODB_DATABASE_PREFIX, as the notifier
does. The checkpoints are checked against --public-key (give the key you were handed, not one
read from the database being checked); without it, the key derived from AUDIT_SIGNING_KEY.
Exit status 0: intact; 1: the first broken link is printed; 2: the check could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import sys
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from service_runtime.hardening import signing_key_from
from service_runtime.mongo import build_mongo_client
from service_runtime.settings import Settings
from services.notifier.audit_chain import Verdict, verify


def public_key_of(settings: Settings) -> Ed25519PublicKey:
    return signing_key_from(settings.audit_signing_key.get_secret_value()).public_key()


async def verify_stored(settings: Settings, public_key: Ed25519PublicKey) -> Verdict:
    client: AsyncMongoClient[dict[str, Any]] = build_mongo_client(settings)
    try:
        database = client[settings.database_name("notifier")]
        checkpoints = await database["audit_checkpoints"].find({}).to_list(None)
        records = await database["audit_records"].find({}).to_list(None)
        records.sort(key=lambda r: r["_id"])  # here, not in the database: one pass, no index
    finally:
        await client.close()
    return verify(records, checkpoints, public_key)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["verify", "public-key"])
    parser.add_argument("--public-key", help="base64 Ed25519 public key of the checkpoints")
    args = parser.parse_args()
    settings = Settings()
    if args.command == "public-key":
        print(base64.b64encode(public_key_of(settings).public_bytes_raw()).decode())
        return 0
    try:
        key = (
            Ed25519PublicKey.from_public_bytes(base64.b64decode(args.public_key, validate=True))
            if args.public_key
            else public_key_of(settings)
        )
    except (binascii.Error, ValueError):
        print("--public-key 不是 base64 的 Ed25519 公钥 / is not a base64 Ed25519 public key")
        return 2
    try:
        verdict = asyncio.run(verify_stored(settings, key))
    except PyMongoError as error:
        print(f"无法读取审计日志 / cannot read the audit log: {type(error).__name__}")
        return 2
    if verdict.intact:
        print(f"完好 / intact: {verdict.records} records, {verdict.checkpoints} signed checkpoints")
        return 0
    print(f"已被篡改 / tampered: {verdict.broken} (after {verdict.records - 1} intact records)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
