"""Chinese by default, English on request, and every message translated."""

from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

PO_FILE = Path(settings.BASE_DIR) / "guanai" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_pages_are_chinese_by_default(cast, client_for):
    page = client_for(cast["county_admin"]).get(reverse("web:home")).content.decode()
    assert "工作台" in page
    assert 'lang="zh-hans"' in page


def test_english_can_be_chosen_on_the_login_page(db):
    client = Client()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Log in" in page
    assert 'lang="en"' in page


def test_every_message_has_an_english_translation():
    text = PO_FILE.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e.splitlines()[-1] and "msgstr[" not in e]
    assert not untranslated
    assert "#, fuzzy" not in text


def test_an_english_browser_still_gets_chinese_until_the_user_switches(db):
    page = Client().get(reverse("accounts:login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="zh-hans"' in page.content.decode()
