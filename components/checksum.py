"""Checksum annotations that roll a Deployment when what it mounts changes: the files of its ConfigMap,
and the values of the Secrets it reads (a rotation, a new client secret or certificate).

A Secret's values are never hashed bare: a low-entropy value (a password) could be guessed from its
hash. They are keyed with a random per-hub key kept in the stack state (HMAC-SHA256), so the annotation
says only "changed" and may be shown in plans and PR diffs.
"""

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_random as random

CHECKSUM_ANNOTATION = "checksum/config"
SECRET_CHECKSUM_ANNOTATION = "checksum/secret"


def files_checksum(files: dict[str, str]) -> str:
    """A digest of a ConfigMap's files (name -> content), stable across runs."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class SecretDigester:
    """Keyed digests of secret values, with one hub's digest key."""

    key: pulumi.Output[str]
    """32 random bytes as hex (a secret in the stack state)."""

    def digest(self, values: Mapping[str, pulumi.Input[str]]) -> pulumi.Output[str]:
        """HMAC-SHA256 of `values` (name -> value), not secret: it reveals nothing without the key."""

        def keyed(resolved: list[object]) -> str:
            key, named = resolved
            message = json.dumps(named, sort_keys=True).encode()
            return hmac.new(bytes.fromhex(str(key)), message, hashlib.sha256).hexdigest()

        return pulumi.Output.unsecret(pulumi.Output.all(self.key, pulumi.Output.all(**values)).apply(keyed))


def declare_secret_digester(name: str, opts: pulumi.ResourceOptions) -> SecretDigester:
    """A hub's digest key: generated once and kept (it never needs rotating: it guards no access)."""
    return SecretDigester(random.RandomBytes(f"{name}-secret-digest-key", length=32, opts=opts).hex)
