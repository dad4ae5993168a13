"""Arithmetic on 12-digit statistical division codes, in one place.

A code's leading digits name the area at each level (2 province, 4 city, 6 county, 9
township, 12 village), and an area above village level is written with zeros after its
prefix. Everything inside an area shares its prefix; these helpers are the only place that
pads, cuts or ranges codes, so the rule is written once.
"""

from typing import Literal

Level = Literal["province", "city", "county", "township", "village"]

CODE_LENGTH = 12
# Digits of the code that identify an area at each level; everything below an area
# shares this prefix of its code.
PREFIX_LENGTH: dict[str, int] = {
    "province": 2,
    "city": 4,
    "county": 6,
    "township": 9,
    "village": CODE_LENGTH,
}
# The levels above village, from the top down, by prefix length.
UPPER_PREFIX_LENGTHS = (2, 4, 6, 9)


def code_of(prefix: str) -> str:
    """The full code of the area a prefix names: 510821 -> 510821000000."""
    return prefix.ljust(CODE_LENGTH, "0")


def prefix_at(code: str, level: Level | str) -> str:
    """The prefix of the area at this level that holds the code: (510821105201, county)
    -> 510821."""
    return code[: PREFIX_LENGTH[level]]


def code_at(code: str, level: Level | str) -> str:
    """The full code of the area at this level that holds the code: (510821105201,
    county) -> 510821000000."""
    return code_of(prefix_at(code, level))


def code_range(prefix: str) -> tuple[str, str]:
    """The lowest and highest code inside an area's prefix (both inclusive): a range
    query uses the code's index whatever the database's collation."""
    return prefix.ljust(CODE_LENGTH, "0"), prefix.ljust(CODE_LENGTH, "9")


def ancestor_codes(code: str, prefix_length: int) -> list[str]:
    """The full codes of the areas above one whose prefix has this length, top down."""
    return [code_of(code[:n]) for n in UPPER_PREFIX_LENGTHS if n < prefix_length]
