"""The children's list and the review queue as cards on a phone (390×844), the tables on a
desktop (1366×768), and every role's home on a phone, in a real browser (Debian's
Chromium through Playwright)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, sync_playwright

from conftest import CHROMIUM, CHROMIUM_FLAGS, PHONE, artifact, logged_in_client, make_id_number
from guanai.accounts.models import User
from guanai.children.choices import ReviewState
from guanai.children.models import Child
from guanai.children.services import child_review, child_update
from guanai.children.tests.test_review import register

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
# Long names too: 欧阳 and a three-character given name are names people have.
NAMES = ["张小明", "欧阳子轩宇", "李雨涵", "司马梓萱", "王浩", "诸葛思远", "赵一诺", "上官若曦"]


@contextmanager
def browser_as(user: User, base: str, viewport: dict[str, int]) -> Iterator[Page]:
    """A browser page logged in as the user (their session, past every login step)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    session = logged_in_client(user).cookies["sessionid"].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        phone = viewport == PHONE
        context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
        yield page
        assert errors == []
        browser.close()


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def names_on_one_line(page: Page) -> list[str]:
    """The names shown on cards that wrap or are cut short (none should be)."""
    result: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=card-name]')]
        .filter(el => el.offsetParent !== null)
        .filter(el => {
          const line = parseFloat(getComputedStyle(el).lineHeight)
            || 1.5 * parseFloat(getComputedStyle(el).fontSize);
          return el.getClientRects().length !== 1
            || el.getBoundingClientRect().height > 1.3 * line
            || el.scrollWidth > el.clientWidth;
        })
        .map(el => el.textContent)"""
    )
    return result


def cards_in_first_screen(page: Page, selector: str) -> int:
    count: int = page.evaluate(
        f"""() => [...document.querySelectorAll('{selector}')]
        .filter(el => el.getBoundingClientRect().bottom <= window.innerHeight).length"""
    )
    return count


def test_the_children_list_is_cards_on_a_phone_and_a_table_on_a_desktop(
    live_server, places, cast, transactional_db
):
    for i in range(30):
        register(
            cast["village_director"],
            places.village,
            name=NAMES[i % len(NAMES)],
            school=places.school if i % 3 else None,
            id_number=make_id_number(sequence=100 + i),
            gender="male" if i % 2 else "female",  # as the number says
        )
    Child.objects.update(review_state=ReviewState.APPROVED)
    Child.objects.filter(name="王浩").update(guardianship_type="none", risk_level="high")
    base = live_server.url
    with browser_as(cast["village_director"], base, PHONE) as phone:
        phone.goto(f"{base}/children/")
        cards = phone.locator("[data-testid=child-card]")
        assert cards.count() == 20
        assert cards.first.is_visible()
        assert not phone.is_visible("[data-testid=child-table]")
        assert no_sideways_scroll(phone)
        assert names_on_one_line(phone) == []
        # The village is said once, above the cards, not on each one.
        assert "长滩村" in phone.inner_text("[data-testid=cards-village]")
        assert "长滩村" not in phone.inner_text("[data-testid=child-cards]")
        assert "无人监护" in phone.inner_text("[data-testid=child-cards]")
        shown = cards_in_first_screen(phone, "[data-testid=child-card]")
        phone.screenshot(path=str(artifact("phone-child-cards.png")))
        phone.screenshot(path=str(artifact("phone-child-cards-full.png")), full_page=True)
        print(f"RESULT cards_in_first_screen={shown}")
        # A screen below the menu bar holds a dozen cards, where the table held about 8 rows.
        per_screen = phone.evaluate(
            """() => {
              const [a, b] = document.querySelectorAll('[data-testid=child-card]');
              const bar = document.querySelector('nav.navbar').getBoundingClientRect().height;
              const pitch = b.getBoundingClientRect().top - a.getBoundingClientRect().top;
              return Math.floor((window.innerHeight - bar) / pitch);
            }"""
        )
        print(f"RESULT cards_per_screen={per_screen}")
        assert per_screen >= 12
        # Masked values stay masked.
        content = phone.content()
        assert make_id_number(sequence=100) not in content
        assert "13712345678" not in content
        # The next page holds the other ten.
        phone.click("text=下一页")
        phone.wait_for_url("**page=2")
        assert phone.locator("[data-testid=child-card]").count() == 10
    with browser_as(cast["village_director"], base, DESKTOP) as desktop:
        desktop.goto(f"{base}/children/")
        assert desktop.is_visible("[data-testid=child-table]")
        assert not desktop.locator("[data-testid=child-card]").first.is_visible()
        assert desktop.locator("[data-testid=child-table] tbody tr").count() == 20
        assert no_sideways_scroll(desktop)
        desktop.screenshot(path=str(artifact("desktop-child-table.png")), full_page=True)


def test_the_review_queue_is_cards_on_a_phone_and_approves_what_was_ticked(
    live_server, places, cast, transactional_db
):
    director, supervisor = cast["village_director"], cast["township_supervisor"]
    director.full_name = "儿童主任 张兰"
    director.save()
    # Four were approved once and changed since: their changes show old → new.
    for i in range(4):
        child = register(director, places.village, name=NAMES[i] + str(i))
        child_review(user=supervisor, child_id=child.pk, approve=True)
        child_update(user=director, child_id=child.pk, data={"guardianship_type": "relative"})
    for i in range(4, 24):
        register(director, places.village, name=NAMES[i % len(NAMES)] + str(i))
    base = live_server.url
    with browser_as(supervisor, base, PHONE) as phone:
        phone.goto(f"{base}/children/review/")
        cards = phone.locator("[data-testid=review-card]")
        assert cards.count() == 20
        assert not phone.is_visible("[data-testid=review-table]")
        assert no_sideways_scroll(phone)
        assert names_on_one_line(phone) == []
        text = phone.inner_text("[data-testid=review-cards]")
        assert "祖辈监护 → 亲友委托监护" in text
        assert "新登记" in text
        assert text.count("填报人：儿童主任 张兰") == 20
        phone.screenshot(path=str(artifact("phone-review-cards.png")))
        phone.screenshot(path=str(artifact("phone-review-cards-full.png")), full_page=True)
        # Tick two after looking, approve them together.
        phone.locator("[data-testid=review-cards] [data-testid=entry-check]").nth(0).check()
        phone.locator("[data-testid=review-cards] [data-testid=entry-check]").nth(1).check()
        ticked = [
            int(value.split(":")[0])
            for value in phone.eval_on_selector_all(
                "[data-testid=review-cards] [data-testid=entry-check]:checked",
                "boxes => boxes.map(b => b.value)",
            )
        ]
        phone.click("[data-testid=bulk-submit]")
        phone.wait_for_selector("text=已审核通过 2 份档案")
        assert set(
            Child.objects.filter(review_state=ReviewState.APPROVED).values_list("pk", flat=True)
        ) == set(ticked)
        # Return one with a comment, from its card.
        card = phone.locator("[data-testid=review-card]").first
        name = card.locator("[data-testid=card-name]").inner_text()
        card.locator("summary").click()
        card.locator("textarea[name=comment]").fill("请补充委托监护确认书日期")
        card.locator("button[value=return]").click()
        phone.wait_for_selector("text=会在工作台上看到您的意见")
        assert Child.objects.get(name=name).review_state == ReviewState.RETURNED
    with browser_as(director, base, PHONE) as phone:
        phone.goto(f"{base}/")
        assert "请补充委托监护确认书日期" in phone.inner_text("[data-testid=returned-to-me]")
        assert no_sideways_scroll(phone)
        phone.screenshot(path=str(artifact("phone-home-returned.png")), full_page=True)
    with browser_as(supervisor, base, DESKTOP) as desktop:
        desktop.goto(f"{base}/children/review/")
        assert desktop.is_visible("[data-testid=review-table]")
        assert not desktop.locator("[data-testid=review-card]").first.is_visible()
        assert no_sideways_scroll(desktop)
        desktop.check("[data-testid=check-all]")
        assert desktop.locator("[data-testid=review-row] input[name=entry]:checked").count() == 20
        desktop.screenshot(path=str(artifact("desktop-review-table.png")), full_page=True)


@pytest.mark.parametrize(
    "role",
    [
        "county_admin",
        "township_supervisor",
        "village_director",
        "school_admin",
        "teacher",
        "counsellor",
        "volunteer",
        "league",
    ],
)
def test_every_role_s_home_fits_a_phone(role, live_server, places, cast, kids, transactional_db):
    with browser_as(cast[role], live_server.url, PHONE) as phone:
        phone.goto(f"{live_server.url}/")
        assert no_sideways_scroll(phone)
        phone.screenshot(path=str(artifact(f"phone-home-{role}.png")), full_page=True)
