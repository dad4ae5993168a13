"""A county admin enrols two-factor login on a phone: the QR code renders under the CSP,
the key typed by hand gives the code, with the enrolment code their administrator handed
over, the recovery codes are shown, then the system opens."""

import base64
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from conftest import BROWSER_PASSWORD as PASSWORD
from conftest import artifact
from guanai.accounts.models import Membership, Role, User
from guanai.accounts.services import enrolment_code_issue

pytestmark = pytest.mark.browser


@pytest.fixture
def county_admin(places, transactional_db) -> User:
    user = User.objects.create(username="wangkezhang", full_name="王科长")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(
        user=user, role=Role.objects.get(code="county_admin"), area=places.county
    )
    return user


def code_from_key(key: str) -> str:
    """What an authenticator app shows for a key typed by hand."""
    generator = TOTP(base64.b32decode(key.replace(" ", "")))
    generator.time = timezone.now().timestamp()
    return f"{generator.token():06d}"


def test_a_county_admin_enrols_an_authenticator_on_a_phone(phone, live_server, county_admin):
    handed_over = enrolment_code_issue(user=county_admin, issued_by=None)
    phone.goto(f"{live_server.url}/")
    phone.fill("#id_username", "wangkezhang")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/account/2fa/setup/**")
    qr = phone.locator("[data-testid=otp-qr]")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # drawn, not blocked
    box = qr.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390  # fits the phone's width
    phone.screenshot(path=str(artifact("phone-two-factor-setup.png")), full_page=True)

    phone.fill("#id_enrolment_code", handed_over)
    phone.fill("#id_token", code_from_key(phone.inner_text("[data-testid=otp-secret]")))
    phone.click("form:has(#id_token) button[type=submit]")
    phone.wait_for_url(re.compile(r"/account/2fa/codes/"))
    assert len(phone.locator("[data-testid=recovery-codes] li").all()) == 10
    phone.click("text=我已保存，继续")
    phone.wait_for_url(f"{live_server.url}/")
    assert "县民政局" in phone.inner_text("[data-testid=my-memberships]")
    assert phone.csp_errors == []  # type: ignore[attr-defined]
