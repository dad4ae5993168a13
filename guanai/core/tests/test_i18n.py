"""Chinese by default, English on request, and every message translated."""

import ast
import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
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


@dataclass
class Entry:
    translations: list[str] = field(default_factory=list)
    fuzzy: bool = False


def catalogue(path: Path) -> dict[tuple[str, ...], Entry]:
    """The messages of a .po file, by (context, message, plural), and their translations;
    obsolete (#~) entries are not read."""
    entries: dict[tuple[str, ...], Entry] = {}
    parts: dict[str, str] = {}
    fuzzy = False
    last = ""

    def end_entry() -> None:
        nonlocal fuzzy
        if parts.get("msgid"):  # the header's msgid is empty
            key = (parts.get("msgctxt", ""), parts["msgid"], parts.get("msgid_plural", ""))
            translations = [v for k, v in parts.items() if k.startswith("msgstr")]
            entries[key] = Entry(translations, fuzzy)
        parts.clear()
        fuzzy = False

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            end_entry()
        elif line.startswith("#,"):
            fuzzy = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            parts[last] += ast.literal_eval(line)
        else:
            last, _space, text = line.partition(" ")
            parts[last] = ast.literal_eval(text)
    return entries


def extracted(tmp_path: Path, settings) -> dict[tuple[str, ...], Entry]:
    """The messages makemessages finds in the source today, extracted afresh from a copy of
    the source tree (it writes beside each template while it works)."""
    tree = tmp_path / "tree"
    shutil.copytree(
        Path(settings.BASE_DIR) / "guanai",
        tree / "guanai",
        ignore=shutil.ignore_patterns("__pycache__", "locale"),
    )
    locale = tree / "locale"
    locale.mkdir()
    settings.LOCALE_PATHS = [locale]
    with contextlib.chdir(tree):
        call_command("makemessages", locale=["en"], verbosity=0)
    return catalogue(locale / "en" / "LC_MESSAGES" / "django.po")


def test_every_message_of_the_code_is_in_the_catalogue_and_translated(tmp_path, settings):
    committed = catalogue(PO_FILE)
    found = extracted(tmp_path, settings)
    assert len(found) > 500  # the extraction read the source
    never_extracted = sorted(set(found) - set(committed))
    assert not never_extracted, "run makemessages -l en: " + repr(never_extracted[:10])
    stale = sorted(set(committed) - set(found))
    assert not stale, "run makemessages -l en --no-obsolete: " + repr(stale[:10])
    untranslated = [key for key, entry in committed.items() if not all(entry.translations)]
    assert not untranslated, untranslated[:10]
    assert not [key for key, entry in committed.items() if entry.fuzzy]
    assert "#~" not in PO_FILE.read_text(encoding="utf-8")


def test_an_english_browser_still_gets_chinese_until_the_user_switches(db):
    page = Client().get(reverse("accounts:login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="zh-hans"' in page.content.decode()
