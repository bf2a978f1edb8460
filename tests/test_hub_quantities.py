"""The hub's own storage-quantity parser (in the shipped jupyterhub_config.py, which runs in the hub image
without components/) reads sizes as Kubernetes does: HomeSpawner compares a returning user's claim with
the configured capacity by it, so a wrong unit would grow (or never grow) every home."""

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.config.types import quantity_value

from .hub_config import shipped_definitions

QUANTITIES = [
    ("12", 12),
    ("10k", 10_000),
    ("500M", 500_000_000),
    ("64G", 64_000_000_000),
    ("7T", 7_000_000_000_000),
    ("3P", 3_000_000_000_000_000),
    ("2E", 2_000_000_000_000_000_000),
    ("128Ki", 131_072),
    ("5Mi", 5_242_880),
    ("1Gi", 1_073_741_824),
    ("1.5Gi", 1_610_612_736),
    ("2Ti", 2_199_023_255_552),
    ("3Pi", 3_377_699_720_527_872),
    ("1Ei", 1_152_921_504_606_846_976),
    ("1e9", 1_000_000_000),
    ("2.5e3", 2_500),
]
"""Kubernetes quantities and their bytes, from the quantity reference (decimal k M G T P E, binary Ki Mi
Gi Ti Pi Ei, and decimal exponents)."""


def _shipped_parser() -> Any:
    """quantity_bytes and the suffix table it reads, as jupyterhub_config.py ships them."""
    return shipped_definitions({"_QUANTITY_SUFFIXES", "quantity_bytes"}, {"re": re, "Decimal": Decimal})[
        "quantity_bytes"
    ]


@pytest.mark.parametrize(("quantity", "expected"), QUANTITIES)
def test_the_hub_reads_storage_quantities_as_kubernetes_does(quantity, expected):
    assert _shipped_parser()(quantity) == expected


@given(
    number=st.decimals(min_value=0, max_value=10_000, places=2),
    suffix=st.sampled_from(["", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]),
)
def test_the_hub_and_the_stack_agree_on_every_quantity(number, suffix):
    quantity = f"{number}{suffix}"
    assert _shipped_parser()(quantity) == quantity_value(quantity)
