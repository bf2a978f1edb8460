"""Keep Caddy's certificates and ACME account in a Kubernetes Secret, so a new pod starts with them.

Shipped in the autohttps ConfigMap and run with the hub image's Python (standard library only):

    certificate_store.py restore --secret NAME --data-dir DIR   # init container: Secret -> files
    certificate_store.py sync --secret NAME --data-dir DIR      # sidecar: files -> Secret, until SIGTERM

Each file under DIR becomes one key of the Secret; a key is the file's path relative to DIR with every
character outside [A-Za-z0-9.-] written as _XX (its UTF-8 bytes in hex), so `/` is `_2f` and `@` is
`_40`. Caddy's lock files are not kept. The API server, token and namespace are the in-cluster ones
(the pod's projected service account token), unless --api-server and --service-account-dir say else.
"""

import argparse
import base64
import json
import os
import re
import signal
import ssl
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
SKIPPED_DIRS = ("locks",)
"""Caddy's lock files only matter to the running process."""
SECRET_LIMIT = 1024 * 1024
"""The Kubernetes limit on a Secret's data."""
_ESCAPE = re.compile(r"[^A-Za-z0-9.-]")
_UNESCAPE = re.compile(r"_([0-9a-f]{2})")


def key_of(relative_path: str) -> str:
    """The Secret key that stands for a file's path relative to the data folder."""
    return _ESCAPE.sub(lambda match: "".join(f"_{byte:02x}" for byte in match[0].encode()), relative_path)


def path_of(key: str) -> str:
    """The relative path a Secret key stands for (the inverse of `key_of`)."""
    raw = bytearray()
    position = 0
    for match in _UNESCAPE.finditer(key):
        raw += key[position : match.start()].encode() + bytes([int(match[1], 16)])
        position = match.end()
    raw += key[position:].encode()
    return raw.decode()


def snapshot(data_dir: Path) -> dict[str, str]:
    """The Secret's data for the files under `data_dir` now: key -> base64 content."""
    data = {}
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if path.is_file() and not path.is_symlink() and relative.parts[0] not in SKIPPED_DIRS:
            data[key_of(relative.as_posix())] = base64.b64encode(path.read_bytes()).decode()
    return data


def write_files(data: dict[str, str], data_dir: Path) -> int:
    """Lay the Secret's files out under `data_dir` (owner-only permissions); returns how many."""
    root = data_dir.resolve()
    for key, content in data.items():
        target = (root / path_of(key)).resolve()
        if root not in target.parents:
            raise ValueError(f"Secret key {key!r} points outside {root}")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(content))
        target.chmod(0o600)
    return len(data)


class SecretClient:
    """Reads and patches one Secret through the Kubernetes API."""

    def __init__(self, api_server: str, service_account_dir: Path, secret: str) -> None:
        namespace = (service_account_dir / "namespace").read_text().strip()
        self.url = f"{api_server.rstrip('/')}/api/v1/namespaces/{namespace}/secrets/{secret}"
        self.token_file = service_account_dir / "token"
        ca_file = service_account_dir / "ca.crt"
        self.context = ssl.create_default_context(cafile=str(ca_file)) if api_server.startswith("https:") else None

    def _request(self, method: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(self.url, method=method)  # noqa: S310 - the API server's URL
        # The projected token is refreshed by the kubelet: read it for every request.
        request.add_header("Authorization", f"Bearer {self.token_file.read_text().strip()}")
        request.add_header("Accept", "application/json")
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/merge-patch+json")
        with urllib.request.urlopen(request, data=data, timeout=30, context=self.context) as answer:  # noqa: S310
            return json.loads(answer.read() or b"{}")

    def read(self) -> dict[str, str]:
        """The Secret's data (empty if the Secret has none, or is gone: the next sync fails loudly)."""
        try:
            return self._request("GET").get("data") or {}
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
            log(f"the Secret {self.url.rsplit('/', 1)[-1]} does not exist")
            return {}

    def replace_data(self, new: dict[str, str], old: dict[str, str]) -> None:
        """Make the Secret's data `new`, removing the keys of `old` that `new` lacks."""
        patch: dict[str, str | None] = {key: None for key in old if key not in new}
        patch.update({key: value for key, value in new.items() if old.get(key) != value})
        self._request("PATCH", {"data": patch})


def log(message: str) -> None:
    print(f"certificate-store: {message}", file=sys.stderr, flush=True)


def restore(client: SecretClient, data_dir: Path) -> None:
    """Lay out what the Secret keeps; an empty Secret means a first start."""
    count = write_files(client.read(), data_dir)
    log(f"restored {count} files into {data_dir}" if count else "the Secret is empty: a first start")


def sync(client: SecretClient, data_dir: Path, interval: float, heartbeat: Path | None = None) -> None:
    """Copy changed files into the Secret every `interval` seconds, and once more on SIGTERM; touch
    `heartbeat` after every round (the container's probes look at it: a stuck loop is restarted, while
    an unreachable API server only delays storing and never takes the HTTPS front out of service)."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stored: dict[str, str] | None = None
    while True:
        final = stopping.is_set()
        try:
            if stored is None:
                stored = client.read()
            current = snapshot(data_dir)
            if current != stored:
                size = sum(len(value) * 3 // 4 for value in current.values())
                if size > SECRET_LIMIT:
                    log(f"not stored: {size} bytes is more than a Secret holds")
                else:
                    client.replace_data(current, stored)
                    log(f"stored {len(current)} files")
                    stored = current
        except (OSError, urllib.error.URLError, ValueError) as error:  # retried at the next round
            log(f"could not store the certificates: {error}")
            stored = None
        if heartbeat is not None:
            heartbeat.touch()
        if final:
            return
        stopping.wait(interval)


def in_cluster_api_server() -> str:
    """The API server's URL from the variables Kubernetes sets in every container."""
    host = os.environ.get("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc")
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    return f"https://{host}:{os.environ.get('KUBERNETES_SERVICE_PORT', '443')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("action", choices=["restore", "sync"])
    parser.add_argument("--secret", required=True, help="the Secret's name, in the pod's namespace")
    parser.add_argument("--data-dir", required=True, type=Path, help="Caddy's storage folder")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between checks (sync)")
    parser.add_argument("--heartbeat", type=Path, help="a file touched after every round (sync)")
    parser.add_argument("--api-server", default=in_cluster_api_server())
    parser.add_argument("--service-account-dir", type=Path, default=Path(SERVICE_ACCOUNT_DIR))
    arguments = parser.parse_args(argv)
    client = SecretClient(arguments.api_server, arguments.service_account_dir, arguments.secret)
    arguments.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if arguments.action == "restore":
        restore(client, arguments.data_dir)
    else:
        sync(client, arguments.data_dir, arguments.interval, arguments.heartbeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
