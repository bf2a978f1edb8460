"""The constrained string types match the whole value: a trailing newline (which `$` lets through with
`re.match`) is refused everywhere, since such a value reached manifest file names and object names.
Quantities and durations are the exception by design: surrounding spaces are trimmed and the clean value
is what the stack uses."""

import pytest
from pydantic import TypeAdapter, ValidationError

from components.config.types import (
    Cidr,
    CpuQuantity,
    DnsLabel,
    DnsSubdomain,
    Duration,
    EnvName,
    Hostname,
    HttpUrl,
    ImageRef,
    LabelValue,
    MemoryQuantity,
    QualifiedName,
    Username,
)

VALID = [
    (DnsLabel, "phys101"),
    (DnsSubdomain, "jupyterhub-homes"),
    (Hostname, "hub.example.edu"),
    (QualifiedName, "hub.jupyter.org/pool"),
    (LabelValue, "gpu"),
    (ImageRef, "quay.io/jupyter/scipy-notebook:2025-01-06"),
    (HttpUrl, "https://hub.example.edu/hub/oauth_callback"),
    (EnvName, "COURSE_DATA"),
    (Username, "student1"),
    (Cidr, "198.51.100.0/24"),
]
NORMALIZED = [(MemoryQuantity, "2Gi", "2Gi"), (CpuQuantity, "500m", "500m"), (Duration, "1h", 3600)]


@pytest.mark.parametrize(("kind", "value"), VALID, ids=[value for _, value in VALID])
def test_a_valid_value_is_accepted_and_the_same_with_a_newline_is_refused(kind, value):
    adapter = TypeAdapter(kind)
    adapter.validate_python(value)
    with pytest.raises(ValidationError):
        adapter.validate_python(value + "\n")


@pytest.mark.parametrize(("kind", "value", "clean"), NORMALIZED, ids=[value for _, value, _ in NORMALIZED])
def test_quantities_and_durations_are_trimmed_to_their_clean_value(kind, value, clean):
    assert TypeAdapter(kind).validate_python(value + "\n") == clean
