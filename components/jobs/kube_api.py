"""The Kubernetes API as a job's pod's ServiceAccount (or `KUBERNETES_API`, `KUBERNETES_TOKEN_FILE` and
`KUBERNETES_CA_FILE`, to run a job by hand), with Python's standard library only. Shipped beside each
job script in its ConfigMap."""

import json
import os
import ssl
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
MERGE_PATCH = "application/merge-patch+json"


class Api:
    """Calls to the API server; an answer other than 2xx raises urllib.error.HTTPError."""

    def __init__(self) -> None:
        host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
        self.base = os.environ.get("KUBERNETES_API") or f"https://{host}:{port}"
        token_file = Path(os.environ.get("KUBERNETES_TOKEN_FILE", SERVICE_ACCOUNT / "token"))
        self.token = token_file.read_text().strip()
        ca = os.environ.get("KUBERNETES_CA_FILE", str(SERVICE_ACCOUNT / "ca.crt"))
        self.context = ssl.create_default_context(cafile=ca) if Path(ca).exists() else ssl.create_default_context()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        url = f"{self.base}/{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(  # noqa: S310 - the API server's https URL
            url,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": content_type},
        )
        with urllib.request.urlopen(request, context=self.context, timeout=60) as answer:  # noqa: S310
            return json.loads(answer.read() or b"{}")
