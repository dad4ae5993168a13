from guanai.areas.codes import ancestor_codes, code_at, code_of, code_range, prefix_at


def test_a_prefix_names_the_area_with_zeros_after_it():
    assert code_of("510821") == "510821000000"
    assert code_of("510821105201") == "510821105201"


def test_the_area_holding_a_village_is_found_at_every_level():
    village = "510821105201"
    assert prefix_at(village, "province") == "51"
    assert prefix_at(village, "city") == "5108"
    assert prefix_at(village, "county") == "510821"
    assert prefix_at(village, "township") == "510821105"
    assert code_at(village, "township") == "510821105000"
    assert code_at(village, "county") == "510821000000"


def test_a_range_holds_exactly_the_codes_inside_a_prefix():
    low, high = code_range("510821105")
    inside = ["510821105000", "510821105201", "510821105999"]
    outside = ["510821104999", "510821106000", "510822105201"]
    assert all(low <= code <= high for code in inside)
    assert not any(low <= code <= high for code in outside)


def test_ancestors_are_listed_from_the_top_down_without_the_area_itself():
    assert ancestor_codes("510821105201", 12) == [
        "510000000000",
        "510800000000",
        "510821000000",
        "510821105000",
    ]
    assert ancestor_codes("510821000000", 6) == ["510000000000", "510800000000"]
    assert ancestor_codes("510000000000", 2) == []
