"""The edit form's tick boxes on a phone: a ticked box looks ticked (Chromium, Playwright)."""

import io

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page

from conftest import artifact, log_in, make_child

pytestmark = pytest.mark.browser

MULTI_CHOICE_FIELDS = ("concerns", "income_sources", "assistance")


def look(box: Locator) -> dict[str, str]:
    return box.evaluate(
        """el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
                   return {background: s.backgroundColor, image: s.backgroundImage,
                           width: String(r.width), height: String(r.height)}; }"""
    )


def inked_share(box: Locator) -> float:
    """The share of the box's pixels that are not near white, from a screenshot of it."""
    box.scroll_into_view_if_needed()
    picture = Image.open(io.BytesIO(box.screenshot())).convert("RGB")
    data = picture.tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    return sum(1 for pixel in pixels if min(pixel) < 200) / len(pixels)


def boxes(page: Page, field: str) -> tuple[Locator, Locator]:
    return page.locator(f"#id_{field}_0"), page.locator(f"#id_{field}_1")


def test_a_ticked_box_looks_ticked_and_an_unticked_one_does_not(
    phone, live_server, director, places
):
    child = make_child(places.village, name="张小花", concerns=["academic"])
    base = live_server.url
    log_in(phone, base)
    phone.goto(f"{base}/children/{child.pk}/edit/")
    # 学业偏差 is on file; tick the first income source and assistance on the phone.
    for field in ("income_sources", "assistance"):
        phone.locator(f"#id_{field}_0").check()

    for field in MULTI_CHOICE_FIELDS:
        ticked, unticked = boxes(phone, field)
        assert ticked.is_checked(), field
        assert not unticked.is_checked(), field
        on, off = look(ticked), look(unticked)
        # A tick box, not a pill stretched across the row.
        assert max(float(on["width"]), float(on["height"])) < 30, (field, on)
        assert on["background"] != off["background"], (field, on, off)
        assert "url(" in on["image"], (field, on)
        assert off["image"] == "none", (field, off)
        # What the eye sees: the ticked box is mostly ink, the unticked one an outline.
        assert inked_share(ticked) > 0.5 > 0.25 > inked_share(unticked), field

    # Ticking a box on the phone changes how it looks; unticking changes it back.
    ticked, unticked = boxes(phone, "concerns")
    before = look(unticked)
    unticked.tap()
    assert unticked.is_checked()
    assert look(unticked) == look(ticked) != before
    unticked.tap()
    assert look(unticked) == before
    ticked.scroll_into_view_if_needed()
    phone.screenshot(path=str(artifact("phone-checkboxes.png")))
    assert phone.csp_errors == []  # type: ignore[attr-defined]
