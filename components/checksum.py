"""The checksum annotation that rolls a Deployment when the files it mounts from its ConfigMap change."""

import hashlib
import json

CHECKSUM_ANNOTATION = "checksum/config"


def files_checksum(files: dict[str, str]) -> str:
    """A digest of a ConfigMap's files (name -> content), stable across runs."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
