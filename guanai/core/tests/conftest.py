"""Fixtures of the attack suite (attack_kit.py)."""

import pytest

from guanai.core.tests.attack_kit import World, build_world, unlimited_rates


@pytest.fixture
def rates_lifted(settings) -> None:
    unlimited_rates(settings)


@pytest.fixture
def world(places, cast, kids) -> World:
    return build_world(places, cast, kids)
