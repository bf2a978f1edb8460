"""How users' connections are encrypted: certificates from an ACME server kept by an in-cluster HTTPS
front (`letsencrypt`), by the proxy (`manual` certificate) or by the cloud's load balancer
(`offload`: ACM on EKS, Google-managed on GKE); `off` only for development."""

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .resources import ContainerResources, ResourceList, over
from .secrets import Secret
from .types import Duration, HttpUrl, ImageRef, fullmatch

CADDY_IMAGE = "docker.io/library/caddy:2.11.9-alpine"
"""The official Caddy image. The tests run Debian's Caddy 2.6.2 with the same Caddyfile, which uses
only options both versions have."""
LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory"

PemCertificate = Annotated[
    str, fullmatch(r"-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*", "a PEM certificate")
]
EmailAddress = Annotated[
    str,
    fullmatch(
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", "an email address such as it-support@example.edu"
    ),
]
"""Letters, digits and `._%+-` before the @: nothing Caddy would read as syntax or a placeholder (quotes,
braces, `$`, spaces), since the address goes into the HTTPS front's configuration."""


CADDY_RESOURCES = ContainerResources(
    requests=ResourceList(cpu="50m", memory="64Mi"), limits=ResourceList(cpu="1", memory="256Mi")
)
"""The Caddy container's default CPU and memory."""


class LetsEncryptConfig(Model):
    """Certificates obtained and renewed automatically from Let's Encrypt (or another ACME server)."""

    contact_email: EmailAddress
    """Who the ACME server writes to about the certificate (expiry warnings, policy changes)."""
    acme_server: HttpUrl = LETS_ENCRYPT
    """The ACME directory URL. Let's Encrypt's by default; its staging directory
    (https://acme-staging-v02.api.letsencrypt.org/directory) for trials, or your institution's ACME server."""
    ca_certificate: PemCertificate | None = None
    """The CA certificate (PEM) that signs the ACME server's own HTTPS certificate, when that is not a
    public CA (an internal ACME server). Not secret."""
    image: ImageRef = CADDY_IMAGE
    """The Caddy image of the HTTPS front."""
    resources: Annotated[ContainerResources, over(CADDY_RESOURCES)] = CADDY_RESOURCES
    """CPU and memory of the Caddy container; keys left out keep their defaults (`null` removes one)."""


class HttpsConfig(Model):
    """HTTPS for a hub's public address (its `host`)."""

    mode: Literal["off", "letsencrypt", "manual", "offload"] = "off"
    """`letsencrypt`: an HTTPS front (Caddy) in the hub's namespace obtains and renews a certificate for
    `host` over ACME (HTTP-01 on port 80, so the Service must be reachable from the ACME server), keeps it
    in the `https-certificates` Secret and redirects HTTP to HTTPS.
    `manual`: the proxy serves HTTPS with `certificate` and `key`, and redirects HTTP to HTTPS.
    `offload`: the cloud's load balancer decrypts. On EKS the NLB, with `certificateArn` (AWS Certificate
    Manager), and plain HTTP is not offered; on GKE a global HTTPS load balancer (a GKE Ingress) with a
    Google-managed certificate for `host` (issued once DNS points at it), redirecting HTTP to HTTPS.
    `off`: plain HTTP, refused outside `environment: development`."""
    certificate: Secret | None = None
    """With `manual`: the certificate chain (PEM) for the hub's host, set with `pulumi config set --secret`."""
    key: Secret | None = None
    """With `manual`: the certificate's private key (PEM), set with `pulumi config set --secret`."""
    certificate_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$"
    )
    """With `offload` on EKS (required there): the ARN of an ACM certificate for the hub's host."""
    letsencrypt: LetsEncryptConfig | None = None
    """With `letsencrypt`: the contact address and ACME server."""
    hsts_max_age: Duration = 31536000
    """How long browsers remember to use HTTPS only (Strict-Transport-Security); 0 turns the header off."""

    @model_validator(mode="after")
    def _settings_of_the_mode(self) -> Self:
        if self.mode == "manual":
            for name, value in (("certificate", self.certificate), ("key", self.key)):
                if value is None:
                    raise NestedValueError((name,), "required with mode: manual")
        elif self.certificate is not None or self.key is not None:
            raise NestedValueError(("certificate" if self.certificate else "key",), "only with mode: manual")
        if self.mode == "letsencrypt" and self.letsencrypt is None:
            raise NestedValueError(("letsencrypt",), "required with mode: letsencrypt (at least contactEmail)")
        if self.mode != "letsencrypt" and self.letsencrypt is not None:
            raise NestedValueError(("letsencrypt",), "only with mode: letsencrypt")
        if self.mode != "offload" and self.certificate_arn is not None:
            raise NestedValueError(("certificateArn",), "only with mode: offload")
        return self
