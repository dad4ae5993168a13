"""Script, template and spreadsheet-formula payloads in every text field of every table
(found by walking the app registry, NOT_TYPED aside), rendered by every page the URL
configuration has (attack_kit), every export and every revealed secret: always as text,
never as markup or as a formula.
"""

import csv
import io
import json
import re
import zipfile
from datetime import date
from typing import Any
from xml.etree import ElementTree

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from python_calamine import CalamineWorkbook

from conftest import exported, make_child, make_id_number, make_user, run_jobs
from guanai.areas.models import School
from guanai.children.choices import Subject
from guanai.children.derived import child_derive
from guanai.children.models import Child, ChildChange, ChildConsent, Grandparent, Person
from guanai.children.reveal import REVEALABLE
from guanai.children.selectors import Holder
from guanai.conflicts.models import ConflictAlert, IdentityConflict, Source
from guanai.conflicts.services import Claim, conflict_resolve, conflicts_hold
from guanai.core.tests.attack_kit import (
    World,
    all_routes,
    attacker,
    body,
    parse,
    project_models,
)
from guanai.exports.models import ExportJob
from guanai.roster.models import ImportBatch
from guanai.roster.tests.test_importing import HEADER

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    '=HYPERLINK("http://x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)
# What a spreadsheet reads as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# No slash: the path part of an uploaded file's name is dropped.
FILE_NAME = "<img src=x onerror=alert(1)>.csv"
# No space: the reader takes spaces out of headers.
HEADER_PAYLOAD = "'><svg/onload=alert(1)>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The elements of HTML (WHATWG). A payload that escaped would add another (<scrip…> cut
# short by a field's length), or one of those below the line.
HTML_ELEMENTS = frozenset(
    """a abbr address area article aside audio b bdi bdo blockquote body br button canvas
    caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i img
    input ins kbd label legend li link main map mark menu meta meter nav noscript ol optgroup
    option output p picture pre progress q rp rt ruby s samp script search section select
    slot small source span strong sub summary sup table tbody td template textarea tfoot th
    thead time title tr track u ul var video wbr""".split()  # noqa: SIM905 - a list to read
)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post", "data-url")


pytestmark = pytest.mark.usefixtures("rates_lifted")


# Text fields that get no payload, each with why. Every other CharField, TextField and
# JSONField of every model of the project holds one once the `poisoned` fixture is done
# (test_every_text_field_of_every_table_holds_a_payload), bar fields with choices: they
# hold one of the code's own values, shown by its label.
NOT_TYPED = {
    # Hashes and keys, never shown.
    "accounts.User.password": "a password hash",
    "accounts.PasswordHistory.password": "a password hash",
    "accounts.EnrolmentCode.code_hash": "a hash of the one-time code",
    "children.Child.id_number_index": "a blind index (HMAC) of the ID number",
    "children.Person.id_number_index": "a blind index (HMAC) of the ID number",
    "conflicts.IdentityConflict.id_number_index": "a blind index (HMAC) of the ID number",
    "audit.AccessEvent.previous": "the access log's hash chain",
    "audit.AccessEvent.digest": "the access log's hash chain",
    "audit.AccessLogHead.digest": "the access log's hash chain",
    "audit.AccessLogHead.seal": "the access log's hash chain",
    "audit.AuditCheckpoint.digest": "the access log's hash chain",
    "audit.AuditCheckpoint.seal": "the access log's hash chain",
    "core.DataKeyCheck.value": "the data key's check value",
    "core.RateCounter.key": "a rate limit's counter",
    "exports.ExportJob.stored_name": "the sealed file's name on disk",
    # Keys the code computes with: a payload would break the world rather than reach a
    # page. What people read of them (an area's or role's name) gets a payload.
    "areas.Area.code": "the division code a scope is a prefix of (12 digits, checked)",
    "conflicts.IdentityConflict.area_prefix": "a division code, the scope it is held for",
    "conflicts.ConflictAlert.area_prefix": "a division code, the scope it is held for",
    "roster.ImportBatch.area_prefix": "a division code, the scope it is held for",
    "accounts.Role.code": "the key access is granted by",
    "exports.ExportJob.kind": "names the code that writes the file",
    # JSON of numbers only.
    "roster.ImportBatch.counts": "row counts",
}


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's fields that hold text (NOT_TYPED aside): each gets a payload."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not f.primary_key
        and f"{model._meta.label}.{f.name}" not in NOT_TYPED
    ]


def is_unique(field: models.Field) -> bool:
    """Unique alone or with other fields."""
    meta = field.model._meta
    together = [
        *meta.unique_together,
        *(c.fields for c in meta.constraints if isinstance(c, models.UniqueConstraint)),
    ]
    return field.unique or any(field.name in fields for fields in together)


def fitted(field: models.Field, payload: str, unique: str) -> str:
    """The payload cut to the field's length (what is left of a tag is still a tag); a
    unique field's ends with `unique`."""
    length = field.max_length or 1000
    return payload[: length - len(unique)] + unique if is_unique(field) else payload[:length]


def poison(obj: models.Model, payload: str, unique: str = "") -> models.Model:
    """Every text field of the object set to the payload."""
    for f in text_fields(type(obj)):
        setattr(obj, f.attname, fitted(f, payload, unique))
    return obj


def holds_payload(value: object) -> bool:
    """A payload (or its start, cut to a field's length) is in the value; for JSON, in
    any of its keys or values."""
    payloads = (*PAYLOADS, FILE_NAME)
    if not isinstance(value, str):
        return any(p in json.dumps(value, ensure_ascii=False) for p in payloads)
    start = re.sub(r"~p?\d+$", "", value)  # the unique ending (fitted)
    return any(p in value or (start and p.startswith(start)) for p in payloads)


def simplest_value(field: models.Field) -> object:
    """A value a required field of a row made from nothing can hold."""
    if field.is_relation:
        return field.related_model._base_manager.order_by("pk").first()
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.CharField | models.TextField):
        return fitted(field, PAYLOADS[0], "~p0")
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    kinds = {
        models.BooleanField: False,
        models.IntegerField: 0,
        models.JSONField: {},
        models.BinaryField: b"",
    }
    for kind, value in kinds.items():
        if isinstance(field, kind):
            return value
    raise AssertionError(
        f"{field.model._meta.label}.{field.name}: the poisoned world has no row of this "
        "table; make one in the `poisoned` fixture, or teach simplest_value this field."
    )


def poison_every_table() -> None:
    """Every row of every table, every text field holding a payload: those the fixture
    set stay, every other value gets the next payload in turn. A table with text fields
    and no row yet gets one, pointing to the first row of each table it refers to.

    JSON fields are structured: a payload goes where people's text goes in them, by the
    flows of the fixture (a search, a history entry, a header matched by hand)."""
    for model in project_models():
        fields = text_fields(model)
        if not fields:
            continue
        manager = model._base_manager
        if not manager.exists():
            required = [
                f
                for f in model._meta.concrete_fields
                if not (f.primary_key or f.null or f.has_default())
            ]
            manager.create(**{f.name: simplest_value(f) for f in required})
        columns = [f.attname for f in fields]
        for i, row in enumerate(manager.order_by("pk").values("pk", *columns)):
            payload = PAYLOADS[i % len(PAYLOADS)]
            values = {
                f.attname: fitted(f, payload, unique=f"~p{row['pk']}")
                for f in fields
                if not holds_payload(row[f.attname])
            }
            if values:
                manager.filter(pk=row["pk"]).update(**values)


@pytest.fixture
def poisoned(world: World, cast, client_for) -> World:
    """One child per payload in 长滩村, with the payload in every text field of the child,
    their parents, guardian, grandparent, school, director and history; a roster of
    payloads imported; payloads typed where people type (reasons, notes, filters, a login);
    then a payload in every text field of every row of every table."""
    places = world.places
    children, schools, users, consents = [], [], [], []
    for i, payload in enumerate(PAYLOADS):
        school = poison(School(area=places.township, stage="primary"), payload, unique=f"~{i}")
        school.save()
        user = make_user(f"xss{i}", role="village_director", area=places.village)
        poison(user, payload, unique=f"~{i}").save()
        child = make_child(
            places.village,
            name=payload,
            school=school,
            review_state="pending" if i % 2 else "approved",
            responsible_teacher=cast["teacher"],
            director=user,
            created_by=user,
            reviewed_by=user,
        )
        poison(child, payload, unique=f"~{i}")
        for person in (child.father, child.mother, child.guardian):
            poison(person, payload).save()
        grandparent = poison(Person(), payload)
        grandparent.save()
        Grandparent.objects.create(child=child, person=grandparent, relationship="grandfather")
        child_derive(child)
        child.save()
        ChildChange.objects.create(
            child=child,
            by=user,
            kind=ChildChange.Kind.UPDATED,
            changes=[
                {"field": "illness", "label": payload, "old": payload, "new": payload}
                | {"old_display": payload, "new_display": payload, "secret": False},
                {"field": payload, "old": payload, "new": payload},
            ],
            comment=payload,
        )
        consent = poison(
            ChildConsent(
                child=child,
                purpose="counselling",
                relationship="grandmother",
                given_on=date(2024, 1, 1),
                method="oral",
                recorded_by=user,
            ),
            payload,
        )
        consent.save()
        consents.append(consent)
        children.append(child)
        schools.append(school)
        users.append(user)
    importer = client_for(cast["county_admin"])
    for child, payload in zip(children, PAYLOADS, strict=True):
        # A reveal, logged with its reason: the access log shows and exports them.
        importer.post(
            reverse("children:child_reveal", args=[child.pk]),
            {"subject": "father", "field": "phone", "reason": "other", "reason_other": payload},
        )
    checked = upload_payload_roster(importer)
    imported = upload_payload_roster(importer)
    # The unknown column matched by hand: the batch keeps the payload header.
    importer.post(
        reverse("roster:import_map", args=[imported.pk]), {"header": HEADER_PAYLOAD, "key": "note"}
    )
    run_jobs()
    importer.post(reverse("roster:import_apply", args=[imported.pk]))
    run_jobs()
    imported.refresh_from_db()
    assert imported.state == "imported", imported.message
    far = world.kids.other_county
    for i, (user, payload) in enumerate(zip(users, PAYLOADS, strict=True)):
        # Each payload director typed the number of 青川县's child, as a father's, on a
        # row of the payload file; stopped past the limit; half of them dealt with.
        claim = Claim(
            typed_for=Subject.FATHER,
            id_number=far.id_number,
            index=far.id_number_index,
            holder=Holder(far.pk, Subject.CHILD, far.village_id),
            child_name=payload,
            person_name=payload,
            row=i + 3,
            column=payload,
        )
        conflicts_hold(user=user, claims=[claim], source=Source.IMPORT, batch=checked)
        prefix = places.village.code
        ConflictAlert.objects.create(user=user, area_prefix=prefix, conflicts=6, batch=checked)
        if i % 2:
            conflict = IdentityConflict.objects.get(user=user)
            conflict_resolve(
                user=cast["county_admin"],
                conflict_id=conflict.pk,
                decision="rejected",
                note=payload,
            )
    # Exports asked for under a payload filter (a search, an access-log user), made.
    exports = []
    for payload in PAYLOADS[:3]:
        for target, data in (
            ("roster:export", {"q": payload}),
            ("audit:access_log_export", {"user": payload}),
        ):
            assert importer.post(reverse(target), data).status_code == 302
            exports.append(ExportJob.objects.latest("pk").pk)
            run_jobs("exports")
    for user, payload in zip(users, PAYLOADS, strict=True):
        # A wrong password from a payload browser: the account's log shows both.
        Client(headers={"User-Agent": payload}).post(
            reverse("accounts:login"), {"username": user.username, "password": payload}
        )
    poison_every_table()
    for obj in [*children, *schools, *users, *consents, checked, imported]:
        obj.refresh_from_db()
    world.extra = {
        "children": children,
        "schools": schools,
        "users": users,
        "batches": [checked, imported],
        "consents": consents,
        "exports": exports,
    }
    return world


def upload_payload_roster(client) -> ImportBatch:
    """A roster under a payload file name, with payloads for names, for a faulty ID number
    each, and for an unknown column's header; uploaded and checked."""
    columns = [*HEADER.split(","), HEADER_PAYLOAD]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["旺苍县东河镇留守儿童花名册"])
    writer.writerow(columns)
    for i, payload in enumerate(PAYLOADS):
        for number in (make_id_number(sequence=600 + i), payload):
            cells = dict.fromkeys(columns, "")
            cells |= {
                "序号": str(i + 1),
                "姓名": payload,
                "身份证号码": number,
                "乡镇": "东河镇",
                "村": "长滩村",
                "就学状况": "小学",
                "就读学校": "东河小学",
                "父亲姓名": payload,
                "父亲务工地点": payload,
                "母亲姓名": payload,
                "监护人": payload,
                "与儿童关系": "奶奶",
                "监护类型": "隔代监护",
                "监护情况评估": "一般",
                HEADER_PAYLOAD: payload,
            }
            writer.writerow([cells[c] for c in columns])
    upload = SimpleUploadedFile(FILE_NAME, out.getvalue().encode())
    response = client.post(reverse("roster:import"), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    run_jobs()
    batch = ImportBatch.objects.latest("pk")
    assert batch.state == "checked", batch.message
    assert batch.counts["error"] == len(PAYLOADS), batch.counts
    return batch


def poisoned_pick(world: World):
    """The payload objects for each URL parameter (a parameter added later: its objects
    inside the county admin's scope)."""
    users = world.extra["users"]
    values = {
        "child_id": [c.pk for c in world.extra["children"]],
        "school_id": [s.pk for s in world.extra["schools"]],
        "user_id": [u.pk for u in users],
        "membership_id": [world.membership(u) for u in users],
        "code": [
            world.places.village.code,
            world.places.township.code,
            world.places.county.code,  # a county's retention page
        ],
        "batch_id": [b.pk for b in world.extra["batches"]],
        # The i-th child's consent: child and consent go into the URL pairwise.
        "consent_id": [c.pk for c in world.extra["consents"]],
        "export_id": world.extra["exports"],
    }
    return lambda name, parameter: values.get(name) or parameter.inside(world)


# --- what each kind of response must not do ----------------------------------------------


def markup_problems(page: str) -> list[str]:
    """Markup a payload would have added had it been written unescaped."""
    problems = []
    if "<script>alert" in page:
        problems.append("<script>alert")
    tags, _text = parse(page)
    for tag in tags:
        name = tag.name.lstrip("/")
        if name not in HTML_ELEMENTS:
            problems.append(f"element <{tag.name}>")
        if tag.name == "script" and not tag.attrs.get("src"):
            problems.append(f"inline script {tag.attrs}")
        if tag.name == "img" and not (tag.attrs.get("src") or "").startswith(("/", "data:image/")):
            problems.append(f"image {tag.attrs}")
        for attribute, value in tag.attrs.items():
            if attribute.startswith("on"):
                problems.append(f"event handler <{tag.name} {attribute}={value}>")
            if attribute in URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                problems.append(f"javascript: URL <{tag.name} {attribute}={value}>")
    return problems


def xlsx_cells(data: bytes) -> tuple[list[str], list[Any]]:
    """A workbook's problems (formulas, links) and its cells' values."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = book.read(name).decode()
                if re.search(r"<f[ >/]", xml):
                    problems.append(f"formula in {name}")
                if "<hyperlink" in xml:
                    problems.append(f"link in {name}")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells = [
        cell
        for sheet in workbook.sheet_names
        for row in workbook.get_sheet_by_name(sheet).to_python()
        for cell in row
    ]
    return problems, cells


def csv_cells(data: bytes) -> tuple[list[str], list[str]]:
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    return [f"formula cell {c!r}" for c in cells if c.startswith(FORMULA_START)], cells


def docx_problems(data: bytes) -> list[str]:
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as document:
        for name in document.namelist():
            if name.endswith(".xml"):
                xml = document.read(name).decode()
                ElementTree.fromstring(xml)  # noqa: S314 - our own response; a payload written raw breaks it
                if re.search(r"<w:(instrText|fldSimple)\b", xml):
                    problems.append(f"field code in {name}")
    return problems


def response_problems(response) -> list[str]:
    """What the response would let a payload do, by its kind; an unknown kind is a problem
    until the suite is taught to check it."""
    data = body(response)
    if not data or response.status_code in (301, 302, 303, 304):
        return []
    kind = response.get("Content-Type", "").split(";")[0].strip()
    if kind == "text/html":
        return markup_problems(data.decode())
    if kind == XLSX:
        return xlsx_cells(data)[0]
    if kind == "text/csv":
        return csv_cells(data)[0]
    if kind == DOCX:
        return docx_problems(data)
    if kind == "application/json":
        json.loads(data)
        return []
    if kind == "text/plain" or kind.startswith("image/"):
        return []  # nosniff: never read as HTML
    return [f"a response of kind {kind!r}: teach test_attack_xss.response_problems to check it"]


# --- the attacks ----------------------------------------------------------------------------


def test_the_fields_left_without_payloads_exist_and_hold_text():
    """A field NOT_TYPED names that is gone, or holds no text, is a stale entry: it would
    leave out the field that comes back under its name."""
    stale = []
    for label in NOT_TYPED:
        app_model, _dot, name = label.rpartition(".")
        try:
            field = apps.get_model(app_model)._meta.get_field(name)
        except (LookupError, FieldDoesNotExist) as error:
            stale.append(f"{label}: {error}")
            continue
        if not isinstance(field, models.CharField | models.TextField | models.JSONField):
            stale.append(f"{label}: a {type(field).__name__}")
        elif field.choices:
            stale.append(f"{label}: has choices, which get no payload anyway")
    assert not stale, "\n".join(stale)


def test_every_text_field_of_every_table_holds_a_payload(poisoned):
    """Walking the app registry itself: every CharField, TextField and JSONField of every
    model of the project (without choices, NOT_TYPED aside) holds a payload in at least one
    row, so a table added later is attacked without anyone listing it."""
    missing, covered = [], set()
    for model in apps.get_models():
        if not model.__module__.startswith("guanai."):
            continue
        for field in model._meta.concrete_fields:
            label = f"{model._meta.label}.{field.name}"
            kinds = models.CharField | models.TextField | models.JSONField
            if not isinstance(field, kinds) or field.choices or label in NOT_TYPED:
                continue
            values = model._base_manager.values_list(field.attname, flat=True)
            if any(holds_payload(value) for value in values):
                covered.add(model._meta.label)
            else:
                missing.append(label)
    assert not missing, "no payload in: " + ", ".join(missing)
    # Tables no hand-made payload reached before the walk.
    assert {"accounts.Role", "accounts.LoginEvent", "audit.AuditCheckpoint"} <= covered


# Routes that carry no typed text, and which the payload children do not have.
PAYLOAD_FREE = {"children:child_photo"}
# Pages the county admin does not have, seen by whom they are for: the village director's
# own tasks, and the record they wrote (only its author corrects it); the supervisor's log.
SEEN_BY = {
    "care:my_tasks": "village_director",
    "care:record_edit": "village_director",
    # The township supervisor's own log: they write it and correct their visits.
    "care:supervision_new": "township_supervisor",
    "care:supervision_edit": "township_supervisor",
}


def test_payloads_are_text_on_every_page(poisoned, client_for):
    """Every route the URL configuration has, GET, filled with the payload objects."""
    client = attacker(client_for(poisoned.cast["county_admin"]))
    others = {name: attacker(client_for(poisoned.cast[role])) for name, role in SEEN_BY.items()}
    pick = poisoned_pick(poisoned)
    problems, pages = [], 0
    for route in all_routes():
        statuses = set()
        for url in route.urls(pick):
            response = others.get(route.name, client).get(url)
            statuses.add(response.status_code)
            pages += response.status_code == 200
            if response.status_code >= 500:  # a page that failed was not checked
                problems.append((url, response.status_code))
            problems += [(url, p) for p in response_problems(response)]
        if statuses == {404} and route.name not in PAYLOAD_FREE:  # payloads never reached it
            problems.append((route.name, "every URL answered 404"))
    assert pages > 30
    assert not problems, "\n".join(map(str, problems))


def shown(page: str, value: str) -> bool:
    """The value is on the page as text (escaped in the markup)."""
    return escape(value) in page and value in parse(page)[1]


def test_the_list_the_file_and_the_review_queue_show_the_payloads_as_text(poisoned, client_for):
    client = attacker(client_for(poisoned.cast["county_admin"]))
    listing = client.get(reverse("children:child_list"), {"per_page": 100}).content.decode()
    queue = client.get(reverse("children:review_list")).content.decode()
    for i, child in enumerate(poisoned.extra["children"]):
        assert shown(listing, child.name), child.name
        if i % 2:
            assert shown(queue, child.name), child.name
        page = client.get(reverse("children:child_detail", args=[child.pk])).content.decode()
        assert not markup_problems(page)
        for value in (child.name, child.illness, child.class_name, child.father.name):
            assert shown(page, value), value
        assert shown(page, child.school.name)
        assert shown(page, child.director.full_name)
    assert not markup_problems(listing)
    assert not markup_problems(queue)


def test_the_access_log_shows_reasons_as_text(poisoned, client_for):
    client = attacker(client_for(poisoned.cast["county_admin"]))
    page = client.get(reverse("audit:access_log")).content.decode()
    assert not markup_problems(page)
    for payload in PAYLOADS:
        assert shown(page, payload), payload


def test_the_exports_show_their_filters_as_text(poisoned, client_for):
    client = attacker(client_for(poisoned.cast["county_admin"]))
    listing = client.get(reverse("exports:export_list")).content.decode()
    assert not markup_problems(listing)
    for payload in PAYLOADS[:3]:
        assert shown(listing, f"搜索：{payload}"), payload
        assert shown(listing, f"用户：{payload}"), payload
    for export_id in poisoned.extra["exports"]:
        page = client.get(reverse("exports:export_detail", args=[export_id])).content.decode()
        assert not markup_problems(page)


def test_the_held_id_numbers_and_their_alerts_show_payloads_as_text(poisoned, client_for):
    client = attacker(client_for(poisoned.cast["county_admin"]))
    listing = client.get(reverse("conflicts:conflict_list")).content.decode()
    home = client.get(reverse("web:home")).content.decode()
    for page in (listing, home):
        assert not markup_problems(page)
        assert shown(page, FILE_NAME)  # the file an alert stopped
        for user in poisoned.extra["users"]:
            assert shown(page, user.full_name), user.full_name
    for payload in PAYLOADS:
        # The child and the father as typed, and the county's note on the rejected ones.
        assert listing.count(escape(payload)) >= 2, payload


def test_revealed_secrets_are_text(poisoned, client_for):
    client = attacker(client_for(poisoned.cast["county_admin"]))
    for child in poisoned.extra["children"]:
        for subject, fields in REVEALABLE.items():
            for field in fields:
                response = client.post(
                    reverse("children:child_reveal", args=[child.pk]),
                    {
                        "subject": subject,
                        "field": field,
                        "reason": "other",
                        "reason_other": PAYLOADS[0],
                    },
                )
                page = response.content.decode()
                assert response.status_code == 200, (subject, field)
                assert not markup_problems(page)
                holder = child if subject == "child" else getattr(child, subject)
                assert shown(page, getattr(holder, field)), (subject, field)


def test_the_import_shows_file_names_headers_and_faults_as_text(poisoned, client_for):
    client = attacker(client_for(poisoned.cast["county_admin"]))
    checked, imported = poisoned.extra["batches"]
    page = client.get(reverse("roster:import_detail", args=[checked.pk])).content.decode()
    assert not markup_problems(page)
    assert shown(page, FILE_NAME)
    assert shown(page, HEADER_PAYLOAD)  # the unknown column
    assert sum(shown(page, p) for p in PAYLOADS) >= 5  # the faulty ID numbers, quoted
    listing = client.get(reverse("roster:import")).content.decode()
    assert not markup_problems(listing)
    assert shown(listing, FILE_NAME)
    names = set(Child.objects.filter(changes__batch=imported).values_list("name", flat=True))
    assert names == set(PAYLOADS)


def test_the_faulty_rows_file_holds_no_formula(poisoned, client_for):
    client = attacker(client_for(poisoned.cast["county_admin"]))
    checked, _imported = poisoned.extra["batches"]
    response = client.get(reverse("roster:import_errors", args=[checked.pk]))
    problems, cells = xlsx_cells(body(response))
    assert not problems, "\n".join(map(str, problems))
    for payload in PAYLOADS:
        assert payload in cells, payload


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_roster_exports_hold_no_formula(fmt, poisoned, client_for):
    """Masked and in full (with a reason), the payloads are text cells; in CSV
    those a spreadsheet would read as formulas start with a quote."""
    client = attacker(client_for(poisoned.cast["county_admin"]))
    url = reverse("roster:export")
    masked = exported(client, url, {"format": fmt})
    full = exported(client, url, {"format": fmt, "full": "1", "reason": PAYLOADS[5]})
    if fmt == "xlsx":
        expected = PAYLOADS
        (masked_problems, masked_cells), (full_problems, full_cells) = (
            xlsx_cells(body(masked)),
            xlsx_cells(body(full)),
        )
    else:
        expected = tuple(f"'{p}" if p.startswith(FORMULA_START) else p for p in PAYLOADS)
        (masked_problems, masked_cells), (full_problems, full_cells) = (
            csv_cells(body(masked)),
            csv_cells(body(full)),
        )
    assert not masked_problems
    assert not full_problems
    for value in expected:
        # Names of the child, school, parents, guardian...; in full, their ID numbers,
        # phones and addresses too.
        assert masked_cells.count(value) >= 5, value
        assert full_cells.count(value) >= masked_cells.count(value) + 7, value
