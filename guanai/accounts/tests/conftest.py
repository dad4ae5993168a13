"""Personas of the login tests: the cast's, with a password to log in with (helpers.PASSWORD)."""

import pytest

from guanai.accounts.models import User
from guanai.accounts.tests.helpers import with_password


@pytest.fixture
def alice(cast) -> User:
    """The village director of 长滩村: two-factor login is hers to choose."""
    return with_password(cast["village_director"])


@pytest.fixture
def county_admin(cast) -> User:
    """The county admin of 旺苍县: a privileged role, which must log in with two factors."""
    return with_password(cast["county_admin"])
