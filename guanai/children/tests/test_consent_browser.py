"""Consent and the photo on a phone, in a real browser (Debian's Chromium through Playwright)."""

import pytest

from conftest import artifact, log_in, make_child
from guanai.children.models import ChildConsent, ChildPhoto
from guanai.children.tests.test_photo import jpeg_with_gps

pytestmark = pytest.mark.browser


def test_a_director_records_photo_consent_uploads_a_photo_and_withdraws(
    phone, live_server, director, places, tmp_path
):
    child = make_child(places.village, name="张小花")
    base = live_server.url
    log_in(phone, base)
    phone.goto(f"{base}/children/{child.pk}/")
    assert "未取得监护人同意，不能上传照片。" in phone.inner_text("[data-testid=photo]")

    phone.click("[data-testid=consent-new] summary")
    phone.select_option("#consent_purpose", "photo")
    # The guardian on file is offered.
    assert phone.input_value("#consent_given_by") == "张奶奶"
    phone.select_option("#consent_method", "written")
    phone.fill("#consent_note", "签字同意书存村委会")
    phone.click("[data-testid=consent-new] button[type=submit]")
    phone.wait_for_selector("text=已记录监护人对“照片”的同意。")

    picture = tmp_path / "IMG_0001.jpg"
    picture.write_bytes(jpeg_with_gps())
    phone.set_input_files("#photo_photo", str(picture))
    phone.click("[data-testid=photo] button[type=submit]")
    phone.wait_for_selector("text=照片已保存，拍摄地点等信息已去除。")
    shown = phone.wait_for_selector("[data-testid=child-photo]")
    phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=shown)
    assert shown.evaluate("img => img.naturalWidth") == 1024
    # Nothing sticks out sideways on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(artifact("phone-child-consent.png")), full_page=True)
    assert phone.csp_errors == []  # type: ignore[attr-defined]

    consent = ChildConsent.objects.get()
    questions = []
    phone.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    phone.click(f"[data-testid=consent-{consent.pk}] summary")
    phone.fill(f"#w{consent.pk}_note", "祖母当面撤回")
    phone.click(f"[data-testid=withdraw-{consent.pk}]")
    phone.wait_for_selector("text=已撤回照片同意，该儿童的照片已删除。")
    assert "照片将被立即删除" in questions[0]
    assert not ChildPhoto.objects.exists()
    assert phone.query_selector("[data-testid=child-photo]") is None
