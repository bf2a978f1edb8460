"""`https.mode: offload` on GKE: a global external HTTPS load balancer (a GKE Ingress) with a
Google-managed certificate for the hub's host, HTTP redirected to HTTPS, and the proxy-public Service as
its container-native backend (NEG: the load balancer sends straight to the proxy pod)."""

import json
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..config.proxy import GKE_BACKEND_CONFIG_ANNOTATION, GKE_NEG_ANNOTATION
from ..endpoints import Endpoints
from ..manifest import ApiFields, ObjectMeta

GOOGLE_FRONT_ENDS = ("35.191.0.0/16", "130.211.0.0/22")
"""Where Google's load balancers and their health checks connect from (the only clients of the proxy
pod's port with offload on GKE)."""
WEBSOCKET_TIMEOUT_SECONDS = 86400
"""The backend timeout, which on Google's HTTPS load balancers also caps how long a websocket stays
open (notebook kernels): one day, after which JupyterLab reconnects."""
HEALTH_CHECK_PATH = "/_chp_healthz"


def neg_service_annotations(backend_config: str) -> dict[str, str]:
    """The proxy-public Service's annotations: a NEG for the Ingress, and its BackendConfig."""
    return {
        GKE_NEG_ANNOTATION: json.dumps({"ingress": True}),
        GKE_BACKEND_CONFIG_ANNOTATION: json.dumps({"default": backend_config}),
    }


def backend_config_spec(endpoints: Endpoints, security_policy: pulumi.Input[str] | None) -> ApiFields:
    """Timeouts and the health check of the backend service (the proxy's health endpoint), and the Cloud
    Armor policy when clients are restricted."""
    spec: dict[str, Any] = {
        "timeoutSec": WEBSOCKET_TIMEOUT_SECONDS,
        "connectionDraining": {"drainingTimeoutSec": 30},
        "healthCheck": {
            "type": "HTTP",
            "requestPath": HEALTH_CHECK_PATH,
            "port": endpoints.proxy_http_port,
            "checkIntervalSec": 10,
            "timeoutSec": 5,
        },
    }
    if security_policy is not None:
        spec["securityPolicy"] = {"name": security_policy}
    return spec


def declare_backend_config(
    hub_name: str,
    metadata: ObjectMeta,
    endpoints: Endpoints,
    security_policy: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
) -> k8s.apiextensions.CustomResource:
    """The BackendConfig the proxy-public Service names (cloud.google.com/backend-config)."""
    return k8s.apiextensions.CustomResource(
        f"{hub_name}-backend-config",
        api_version="cloud.google.com/v1",
        kind="BackendConfig",
        metadata=metadata,
        spec=backend_config_spec(endpoints, security_policy),
        opts=opts,
    )


def declare_gke_ingress(
    hub_name: str,
    metadata: ObjectMeta,
    name: str,
    host: str,
    service_name: pulumi.Input[str],
    address_name: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
) -> k8s.networking.v1.Ingress:
    """The ManagedCertificate, the FrontendConfig (HTTP -> HTTPS) and the Ingress in front of the
    proxy-public Service, all named `name`, with `metadata`'s namespace and labels."""
    metadata = {**metadata, "name": name}
    certificate = k8s.apiextensions.CustomResource(
        f"{hub_name}-managed-certificate",
        api_version="networking.gke.io/v1",
        kind="ManagedCertificate",
        metadata=metadata,
        spec={"domains": [host]},
        opts=opts,
    )
    frontend = k8s.apiextensions.CustomResource(
        f"{hub_name}-frontend-config",
        api_version="networking.gke.io/v1beta1",
        kind="FrontendConfig",
        metadata=metadata,
        spec={"redirectToHttps": {"enabled": True, "responseCodeName": "PERMANENT_REDIRECT"}},
        opts=opts,
    )
    annotations: dict[str, pulumi.Input[str]] = {
        "kubernetes.io/ingress.class": "gce",  # GKE's external HTTPS load balancer
        # The certificate and the front-end config share the Ingress's name (created first: depends_on).
        "networking.gke.io/managed-certificates": name,
        "networking.gke.io/v1beta1.FrontendConfig": name,
    }
    if address_name is not None:
        annotations["kubernetes.io/ingress.global-static-ip-name"] = address_name
    return k8s.networking.v1.Ingress(
        f"{hub_name}-ingress",
        metadata={**metadata, "annotations": annotations},
        spec=_default_backend(service_name),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[certificate, frontend])),
    )


def _default_backend(service_name: pulumi.Input[str]) -> ApiFields:
    """Every request to the Service's `http` port (the proxy)."""
    return {"defaultBackend": {"service": {"name": service_name, "port": {"name": "http"}}}}
