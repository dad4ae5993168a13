"""The fixed cast of the tests: a small real-looking area tree and one persona per role.

Places (codes are real 统计用区划代码):
  旺苍县 510821 — the county every persona but the system admin works in
    东河镇 510821100 — 长滩村 (director's and volunteer's village), 四新村
    嘉川镇 510821101 — 石桥村
  青川县 510822 — a neighbouring county nobody in the cast may see (bar the system admin)
Schools: 东河小学 (in 东河镇, the school roles' school), 嘉川小学, 青川县乔庄小学.
"""

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import Page, sync_playwright

from guanai.accounts.models import Membership, Role, User
from guanai.accounts.roles import ROLES
from guanai.areas.models import Area, School
from guanai.children.consent.services import consent_record, photo_upload
from guanai.children.derived import child_derive
from guanai.children.models import Child, Person


@dataclass
class Places:
    province: Area
    city: Area
    county: Area
    township: Area
    village: Area
    sibling_village: Area
    other_township: Area
    other_township_village: Area
    other_county: Area
    other_county_township: Area
    other_county_village: Area
    school: School
    other_township_school: School
    other_county_school: School


def _area(code: str, name: str, level: str, parent: Area | None) -> Area:
    return Area.objects.create(code=code.ljust(12, "0"), name=name, level=level, parent=parent)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path_factory):
    # Export files (guanai/exports) go to a folder of the test's own, not to var/.
    settings.EXPORT_DIR = tmp_path_factory.mktemp("exports")


@pytest.fixture
def roles(db) -> None:
    """The role rows; written by a migration, rewritten here for tests that flush the database."""
    for spec in ROLES:
        Role.objects.update_or_create(code=spec["code"], defaults=dict(spec))


@pytest.fixture
def places(roles) -> Places:
    province = _area("51", "四川省", "province", None)
    city = _area("5108", "广元市", "city", province)
    county = _area("510821", "旺苍县", "county", city)
    township = _area("510821100", "东河镇", "township", county)
    other_county = _area("510822", "青川县", "county", city)
    other_county_township = _area("510822100", "乔庄镇", "township", other_county)
    other_township = _area("510821101", "嘉川镇", "township", county)
    return Places(
        province=province,
        city=city,
        county=county,
        township=township,
        village=_area("510821100203", "长滩村村民委员会", "village", township),
        sibling_village=_area("510821100204", "四新村村民委员会", "village", township),
        other_township=other_township,
        other_township_village=_area("510821101202", "石桥村村民委员会", "village", other_township),
        other_county=other_county,
        other_county_township=other_county_township,
        other_county_village=_area(
            "510822100201", "城郊村村民委员会", "village", other_county_township
        ),
        school=School.objects.create(
            name="东河小学", code="5108211001", area=township, stage="primary"
        ),
        other_township_school=School.objects.create(
            name="嘉川小学", code="5108211011", area=other_township, stage="primary"
        ),
        other_county_school=School.objects.create(
            name="乔庄小学", code="5108221001", area=other_county_township, stage="primary"
        ),
    )


def make_user(
    username: str, *, role: str, area: Area | None = None, school: School | None = None
) -> User:
    user = User.objects.create(username=username, full_name=username)
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, role=Role.objects.get(code=role), area=area, school=school)
    return user


def persona_place(role: str, places: Places) -> tuple[Area | None, School | None]:
    """Where each role's persona works."""
    return {
        "system_admin": (None, None),
        "county_admin": (places.county, None),
        "county_education": (places.county, None),
        "league": (places.county, None),
        "auditor": (places.county, None),
        "township_supervisor": (places.township, None),
        "village_director": (places.village, None),
        "volunteer": (places.village, None),
        "school_admin": (None, places.school),
        "teacher": (None, places.school),
        "counsellor": (None, places.school),
    }[role]


@pytest.fixture
def cast(places) -> dict[str, User]:
    """One user per role, named after the role code, at the places above."""
    users = {}
    for role in Role.objects.values_list("code", flat=True):
        area, school = persona_place(role, places)
        users[role] = make_user(role, role=role, area=area, school=school)
    return users


@pytest.fixture
def client_for():
    def _client(user: User) -> Client:
        return logged_in_client(user)

    return _client


def logged_in_client(user: User) -> Client:
    """A client logged in as the user, past every login step: a user whose role requires
    two-factor login gets an authenticator and a session verified by it."""
    client = Client()
    client.force_login(user)
    if Membership.objects.filter(user=user, role__privileged=True).exists():
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def make_id_number(area: str = "510821", birth: date = date(2015, 3, 5), sequence: int = 1) -> str:
    """A valid 18-digit resident ID number (ISO 7064 MOD 11-2 check character)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


def make_child(
    village: Area,
    *,
    name: str = "张小明",
    school: School | None = None,
    birth_date: date = date(2015, 3, 5),
    id_number: str = "",
    father_away: bool = True,
    mother_away: bool = True,
    **fields: object,
) -> Child:
    """A child with both parents (away for work, by default) and a grandmother as guardian."""
    father = Person.objects.create(
        name=f"{name[0]}父", away_for_work=father_away, phone="13800001111"
    )
    mother = Person.objects.create(name="李母", away_for_work=mother_away, phone="13900002222")
    guardian = Person.objects.create(name=f"{name[0]}奶奶", phone="13700003333")
    child = Child(
        name=name,
        gender=fields.pop("gender", "male"),
        birth_date=birth_date,
        id_number=id_number,
        village=village,
        hukou_area=village,
        school=school,
        schooling="primary" if school else "not_in_school",
        father=father,
        mother=mother,
        guardian=guardian,
        guardian_relationship="grandmother",
        guardianship_type="grandparent",
        assessment="ordinary",
        review_state=fields.pop("review_state", "approved"),
        **fields,
    )
    child_derive(child)
    child.save()
    return child


def consent_and_photo(user: User, child_id: int) -> int:
    """A photo consent recorded by the user, and the child's photo uploaded under it (the
    consent's id)."""
    consent = consent_record(
        user=user,
        child_id=child_id,
        purpose="photo",
        given_by="监护人",
        relationship="grandmother",
        given_on=date(2024, 1, 1),
        method="written",
    )
    png = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 120, 40)).save(png, "PNG")
    photo_upload(user=user, child_id=child_id, data=png.getvalue())
    return consent.pk


@dataclass
class Kids:
    """One child in each of the cast's places."""

    village: Child  # 长滩村, at 东河小学, assigned to the cast's teacher
    sibling_village: Child  # 四新村, same township
    other_township: Child  # 石桥村 in 嘉川镇, at 嘉川小学
    other_county: Child  # 青川县


@pytest.fixture
def kids(places, cast) -> Kids:
    return Kids(
        village=make_child(
            places.village,
            name="张小明",
            school=places.school,
            id_number=make_id_number(sequence=11),
            responsible_teacher=cast["teacher"],
            address="东河镇长滩村三组12号",
        ),
        sibling_village=make_child(
            places.sibling_village, name="李四", id_number=make_id_number(sequence=21)
        ),
        other_township=make_child(
            places.other_township_village,
            name="王五",
            school=places.other_township_school,
            id_number=make_id_number(sequence=31),
        ),
        other_county=make_child(
            places.other_county_village,
            name="赵六",
            id_number=make_id_number("510822", sequence=41),
        ),
    )


# --- browser tests (Debian's Chromium through Playwright) ---

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_PASSWORD = "Cunzhuren#2026"  # noqa: S105
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(live_server) -> Iterator[Page]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test itself makes are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.csp_errors = []  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text),
        )
        yield page
        browser.close()


def log_in(page: Page, base: str, username: str = "changtan") -> None:
    """Log in on the browser's page as a user of the browser tests (the director)."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", BROWSER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def director(places, transactional_db) -> User:
    user = User.objects.create(username="changtan", full_name="张兰")
    user.set_password(BROWSER_PASSWORD)
    user.save()
    area, _ = persona_place("village_director", places)
    Membership.objects.create(user=user, role=Role.objects.get(code="village_director"), area=area)
    return user


def artifact(name: str) -> Path:
    folder = Path(__file__).resolve().parent / "test-results"
    folder.mkdir(exist_ok=True)
    return folder / name


def run_jobs(queue: str | None = None) -> int:
    """Run the background jobs waiting in the database (of one queue, or all), as
    `manage.py db_worker` would, in this thread and on the test's own database connection;
    returns how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    ready = DBTaskResult.objects.ready().order_by("enqueued_at")
    if queue is not None:
        ready = ready.filter(queue_name=queue)
    while (result := ready.first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def exported(client: Client, url: str, data: dict | None = None):
    """An export asked for on the web as its page's form does (POST), its job run by the
    export worker, and its file downloaded: the download's response (streamed), or the
    request's own when it was refused (400, 404, 429)."""
    from django.urls import reverse

    from guanai.exports.models import ExportJob

    asked = client.post(url, data or {})
    if asked.status_code != 302:
        return asked
    job = ExportJob.objects.latest("pk")
    assert asked["Location"] == reverse("exports:export_detail", args=[job.pk])
    run_jobs("exports")
    return client.get(reverse("exports:export_download", args=[job.pk]))
