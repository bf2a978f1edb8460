"""How users' connections are encrypted: by the proxy (`manual` certificate) or by the cloud's load
balancer (`offload`); `off` only for development."""

from typing import Literal, Self

from pydantic import Field, model_validator

from .base import Model, NestedValueError
from .secrets import Secret
from .types import Duration


class HttpsConfig(Model):
    """HTTPS for a hub's public address (its `host`)."""

    mode: Literal["off", "manual", "offload"] = "off"
    """`manual`: the proxy serves HTTPS with `certificate` and `key`, and redirects HTTP to HTTPS.
    `offload`: the cloud load balancer terminates TLS with `certificateArn` (EKS, AWS Certificate
    Manager); plain HTTP is not offered. `off`: plain HTTP, refused outside `environment: development`."""
    certificate: Secret | None = None
    """With `manual`: the certificate chain (PEM) for the hub's host, set with `pulumi config set --secret`."""
    key: Secret | None = None
    """With `manual`: the certificate's private key (PEM), set with `pulumi config set --secret`."""
    certificate_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$"
    )
    """With `offload` on EKS: the ARN of an ACM certificate for the hub's host."""
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
        if self.mode == "offload" and self.certificate_arn is None:
            raise NestedValueError(("certificateArn",), "required with mode: offload")
        if self.mode != "offload" and self.certificate_arn is not None:
            raise NestedValueError(("certificateArn",), "only with mode: offload")
        return self
