"""Uploading a roster with faults in a real browser (Debian's Chromium through Playwright)."""

import pytest

from conftest import BROWSER_PASSWORD, artifact, make_id_number
from guanai.children.models import Child
from guanai.roster.tests.test_importing import line, roster

pytestmark = pytest.mark.browser


def test_a_village_director_uploads_a_roster_imports_the_valid_rows_and_gets_the_faulty_ones(
    phone, live_server, director, places, tmp_path
):
    path = tmp_path / "长滩村花名册.csv"
    path.write_bytes(
        roster(
            line(1, "陈一", make_id_number(sequence=501)),
            line(2, "陈二", make_id_number(sequence=502)),
            line(3, "陈三", "5.10821E+17"),
        )
    )
    base = live_server.url
    phone.goto(f"{base}/login/")
    phone.fill("#id_username", "changtan")
    phone.fill("#id_password", BROWSER_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/")
    phone.goto(f"{base}/children/")
    phone.click("[data-testid=roster-import]")
    phone.set_input_files("input[type=file]", str(path))
    phone.click("[data-testid=upload]")

    phone.wait_for_selector("[data-testid=import-counts]")
    assert phone.inner_text("[data-testid=count-create]") == "2"
    assert phone.inner_text("[data-testid=count-error]") == "1"
    assert "丢失" in phone.inner_text("[data-testid=import-errors]")
    assert not Child.objects.exists()  # checked, nothing written yet
    phone.screenshot(path=str(artifact("phone-import-check.png")), full_page=True)

    with phone.expect_download() as download:
        phone.click("[data-testid=download-errors]")
    assert download.value.suggested_filename.endswith(".xlsx")

    phone.click("[data-testid=import-valid]")
    phone.wait_for_selector("text=已导入：新增 2 名")
    assert sorted(Child.objects.values_list("name", flat=True)) == ["陈一", "陈二"]
    assert phone.csp_errors == []  # type: ignore[attr-defined]
