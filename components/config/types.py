"""Validated scalar types for stack configuration: Kubernetes quantities, names, images, URLs, durations.

Each type checks what the Kubernetes API server or JupyterHub would reject at deploy time, so the
mistake is reported at the line the user typed instead of half-way through `pulumi up`.
"""

import functools
import importlib.resources
import ipaddress
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import urlparse

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from .cluster_addresses import overlaps_link_local

_QUANTITY = re.compile(r"^(?P<number>[0-9]+(\.[0-9]*)?|\.[0-9]+)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")
_SUFFIX_FACTOR = {
    None: Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}


def quantity_value(quantity: str) -> Decimal:
    """The numeric value of a Kubernetes quantity ("500m" -> 0.5, "1Gi" -> 1073741824)."""
    match = _QUANTITY.fullmatch(quantity)
    if match is None:
        raise ValueError(
            f"{quantity!r} is not a Kubernetes quantity: expected a number with an optional suffix "
            "such as 500m, 2, 512Mi, 10Gi or 1G"
        )
    try:
        number = Decimal(match["number"])
    except InvalidOperation as error:  # pragma: no cover - the regex admits only decimals
        raise ValueError(f"{quantity!r} is not a number") from error
    return number * _SUFFIX_FACTOR[match["suffix"]]


QUANTITY_MAX = Decimal(2**63 - 1)
"""The largest quantity Kubernetes stores; it silently caps a larger one."""


def _quantity(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("expected a Kubernetes quantity such as 500m, 2 or 10Gi")
    text = str(value).strip()
    number = quantity_value(text)
    if abs(number) > QUANTITY_MAX:
        raise ValueError(f"{text!r} is beyond the largest quantity Kubernetes keeps (2^63-1): it would be capped")
    if number * 1000 != (number * 1000).to_integral_value():
        raise ValueError(f"{text!r} is finer than Kubernetes keeps (1m, three decimal places): it would be rounded")
    return text


def _positive(text: str) -> str:
    if quantity_value(text) <= 0:
        raise ValueError(f"{text!r} must be greater than zero")
    return text


def _memory(text: str) -> str:
    if text.endswith("m"):
        raise ValueError(f"{text!r} is in milli-bytes; use Mi (mebibytes) or M (megabytes)")
    value = quantity_value(text)
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number of bytes")
    return text


_QUANTITY_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "string", "pattern": _QUANTITY.pattern}]}
)

Quantity = Annotated[str, BeforeValidator(_quantity), AfterValidator(_positive), _QUANTITY_SCHEMA]
"""Any Kubernetes resource quantity (e.g. a GPU count of 1)."""
CpuQuantity = Annotated[str, BeforeValidator(_quantity), AfterValidator(_positive), _QUANTITY_SCHEMA]
"""CPU cores: a number (0.5, 2) or millicores (500m)."""
MemoryQuantity = Annotated[
    str, BeforeValidator(_quantity), AfterValidator(_positive), AfterValidator(_memory), _QUANTITY_SCHEMA
]
"""Bytes with Kubernetes units: 512Mi, 1Gi (binary) or 1G (decimal)."""

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _dns_label(value: str) -> str:
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label: at most 63 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def _dns_subdomain(value: str) -> str:
    if len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit"
        )
    return value


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
"""A DNS-1123 label, as Kubernetes requires for namespaces and most object names."""
DnsSubdomain = Annotated[str, AfterValidator(_dns_subdomain)]
"""A DNS-1123 subdomain, as Kubernetes requires for StorageClass names."""


def _hostname(value: str) -> str:
    labels = value.split(".")
    if (
        len(value) > 253
        or len(labels) < 2
        or not all(_DNS_LABEL.fullmatch(label) and len(label) <= 63 for label in labels)
    ):
        raise ValueError(f"{value!r} is not a host name such as hub.example.edu")
    return value


Hostname = Annotated[str, AfterValidator(_hostname)]
"""A fully qualified DNS host name."""

_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def _qualified_name(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if prefix:
        _dns_subdomain(prefix)
    if not name or len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        raise ValueError(
            f"{value!r} is not a valid key: an optional DNS prefix and '/', then at most 63 letters, "
            "digits, '-', '_' or '.'"
        )
    return value


def _label_value(value: str) -> str:
    if value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value)):
        raise ValueError(f"{value!r} is not a valid label value: at most 63 letters, digits, '-', '_' or '.'")
    return value


QualifiedName = Annotated[str, AfterValidator(_qualified_name)]
"""A label, annotation, taint or extended-resource key such as `nvidia.com/gpu`."""
LabelValue = Annotated[str, AfterValidator(_label_value)]
"""A Kubernetes label value."""

# name[:tag][@digest], name = [registry[:port]/]path; the grammar of the distribution reference.
_IMAGE = re.compile(
    r"^(?P<name>(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


def _image(value: str) -> str:
    match = _IMAGE.fullmatch(value)
    if match is None:
        raise ValueError(f"{value!r} is not an image reference such as quay.io/org/image:1.2.3")
    if match["tag"] is None and match["digest"] is None:
        raise ValueError(f"{value!r} has no tag: pin a version (image:1.2.3 or image@sha256:...)")
    if match["tag"] == "latest" and match["digest"] is None:
        raise ValueError(f"{value!r} uses 'latest', which changes under a running class: pin a version")
    return value


ImageRef = Annotated[str, AfterValidator(_image)]
"""A container image pinned by tag or digest."""


_URL_FORBIDDEN = frozenset('"{}<>\\^`|')
"""Characters no URL needs and configuration files (Caddy's, the hub's) would read as syntax."""


def _http_url(value: str) -> str:
    # Python's URL parser drops tabs and newlines silently, so look at the text itself first.
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch in _URL_FORBIDDEN for ch in value):
        raise ValueError('not an http(s) URL: it contains a space, a control character or one of " { } < > \\ ^ ` |')
    parsed = urlparse(value)
    try:
        port_ok = parsed.port is None or parsed.port > 0
    except ValueError:  # a port above 65535 or not a number
        port_ok = False
    if parsed.scheme not in ("http", "https") or not parsed.hostname or not port_ok:
        raise ValueError(f"{value!r} is not an http(s) URL (scheme http or https, a host, a port up to 65535)")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
"""An absolute http:// or https:// URL."""

_DURATION = re.compile(r"^(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?$")


def _duration(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 3600, 90s, 15m, 1h or 1h30m")
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and value.strip().isdigit():
        seconds = int(value)
    elif (
        isinstance(value, str)
        and value
        and (match := _DURATION.fullmatch(value.strip()))
        and any(match.groupdict().values())
    ):
        parts = {k: int(v or 0) for k, v in match.groupdict().items()}
        seconds = parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    else:
        raise ValueError(f"{value!r} is not a duration: expected seconds or a form such as 90s, 15m, 1h, 1h30m, 2d")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


Duration = Annotated[
    int,
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": _DURATION.pattern}],
            "examples": [3600, "1h", "15m"],
        }
    ),
]
"""A duration in seconds: a whole number of seconds or a form such as 90s, 15m, 1h30m, 2d."""


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as error:
        raise ValueError(f"{value!r} is not a CIDR block such as 203.0.113.0/24 ({error})") from None


Cidr = Annotated[str, AfterValidator(_cidr)]
"""An IPv4 or IPv6 network in CIDR notation with no host bits set."""


def _ipv4_cidr(value: str) -> str:
    if ipaddress.ip_network(value).version != 4:
        raise ValueError(f"{value!r} is an IPv6 range: this network is IPv4 only (e.g. 10.0.0.0/16)")
    return value


IPv4Cidr = Annotated[Cidr, AfterValidator(_ipv4_cidr)]
"""An IPv4 network in CIDR notation (VPC, subnet, pod and service ranges)."""


def _not_link_local(value: str) -> str:
    link_local = overlaps_link_local(value)
    if link_local is not None:
        raise ValueError(
            f"{value} overlaps {link_local}, the link-local range of the cloud metadata servers and other "
            "node-local endpoints (node credentials), which pods must not reach"
        )
    return value


AllowedCidr = Annotated[Cidr, AfterValidator(_not_link_local)]
"""A network a stack lets pods reach on purpose: anything but link-local addresses (169.254.0.0/16,
fe80::/10) and AWS's IPv6 metadata range (fd00:ec2::/32)."""


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address") from None


IPv4 = Annotated[str, AfterValidator(_ipv4)]
"""An IPv4 address."""

_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid environment variable name")
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]
"""An environment variable name."""


def _username(value: str) -> str:
    if not value or value != value.strip() or any(ch.isspace() for ch in value):
        raise ValueError(f"{value!r} is not a user name: no spaces allowed")
    return value


Username = Annotated[str, AfterValidator(_username)]
"""A JupyterHub user name, as the authenticator reports it."""

Port = Annotated[int, Field(ge=1, le=65535)]
"""A TCP port."""


@functools.cache
def time_zones() -> frozenset[str]:
    """The IANA time zones of the pinned tzdata package (requirements.txt), read once: the rules a stack's
    schedules are checked against and, for the class calendar, shipped with the job that applies them."""
    return frozenset(importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def _time_zone(value: str) -> str:
    if value not in time_zones():
        raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Berlin or America/New_York")
    return value


TimeZone = Annotated[str, AfterValidator(_time_zone)]
"""An IANA time zone name."""


def fullmatch(pattern: str, what: str) -> AfterValidator:
    """The validator of a string type that must match `pattern` in full, for `Annotated[str, ...]` (so
    type checkers see a str); `what` names it in the error ("an EC2 instance type such as m6i.xlarge")."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def platform_storage_class(name: str, maker: str) -> str:
    """Why the stack must not create a StorageClass named like one the platform (`maker`) makes."""
    return f"{name!r} is the StorageClass {maker} already makes: to create one, give it its own name"


def not_a_platform_storage_class(taken: Mapping[str, str]) -> AfterValidator:
    """The validator of the name of a StorageClass the stack creates (`taken`: the names the platform
    makes -> who makes them): creating one of those would fail, or fight over the existing class."""

    def check(value: str) -> str:
        if value in taken:
            raise ValueError(platform_storage_class(value, taken[value]))
        return value

    return AfterValidator(check)


def _path_segments(value: str) -> list[str]:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(f"{value!r} contains a control character")
    segments = value.strip("/").split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise ValueError(f"{value!r} has an empty, '.' or '..' part: name the folder itself")
    return segments


def _absolute_path(value: str) -> str:
    if not value.startswith("/") or value == "/":
        raise ValueError(f"{value!r} is not an absolute path below / (such as /home/jovyan/shared)")
    _path_segments(value)
    return value.rstrip("/")


def _relative_path(value: str) -> str:
    if value.startswith("/") or not value:
        raise ValueError(f"{value!r} is not a relative path (such as welcome.ipynb or course/week1)")
    _path_segments(value)
    return value.rstrip("/")


AbsolutePath = Annotated[str, AfterValidator(_absolute_path)]
"""An absolute path in a container, without `.`, `..` or empty parts."""
RelativePath = Annotated[str, AfterValidator(_relative_path)]
"""A path below a folder (the user's home, a volume), without `.`, `..` or empty parts: it cannot leave it."""

GroupName = Annotated[
    str,
    fullmatch(
        r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
        "a group name: up to 64 letters, digits, '.', '_' and '-', starting with a letter or digit",
    ),
]
"""A JupyterHub group's name (also a folder's name, for group folders)."""
GroupRef = Annotated[
    str,
    fullmatch(r"[^\x00-\x1f\x7f]{1,255}", "a group's name: 1 to 255 characters, no control characters"),
]
"""A hub group as it is named, by the stack or by the login provider (`org:team` from GitHub, a GitLab
group's path `physics/phys101`, an Entra ID group's object ID)."""
