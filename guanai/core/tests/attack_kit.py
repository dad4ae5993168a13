"""What the attack suite (test_attack_*.py) shares: every URL pattern of the project, found
by walking the URL configuration, and the objects to fill their parameters with; every
model of the project, found by walking the app registry, for the snapshot that shows an
attack changed nothing (and for the payloads of test_attack_xss).

A view added later is attacked without anyone listing it. A parameter the suite does not
know makes `Route.urls` fail, naming the parameter: add it to PARAMETERS, with objects
the county admin of 旺苍县 may reach (`inside`) and objects of 青川县 that nobody in the
cast may reach (`outside`, built in `build_world`). A table added later is in the snapshot
unless SNAPSHOT_SKIPS names it, with why.
"""

import hashlib
import html.parser
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, StringConverter
from django.urls.resolvers import LocalePrefixPattern, RoutePattern
from django.utils import timezone

from conftest import (
    Kids,
    Places,
    consent_and_photo,
    make_child,
    make_id_number,
    make_user,
    run_jobs,
)
from guanai.accounts.models import Membership, Role, User
from guanai.accounts.roles import ROLES as ROLE_SPECS
from guanai.accounts.scope import scope_for
from guanai.areas.codes import code_of, prefix_at
from guanai.areas.models import Area
from guanai.care.models import (
    Assignment,
    BackgroundCheck,
    CareRecord,
    Helper,
    Pairing,
    SupervisionVisit,
)
from guanai.children.choices import Subject
from guanai.children.models import Child
from guanai.children.selectors import Holder
from guanai.conflicts.models import ConflictAlert, IdentityConflict, Source
from guanai.conflicts.services import Claim, conflicts_hold
from guanai.exports.services import export_request
from guanai.roster.models import ImportBatch

# Views that answer without a login. Everything else sends a visitor to the login page
# (logging out too: a visitor has no session to end).
PUBLIC_VIEWS = frozenset({"accounts:login", "core:healthz", "set_language"})
# Routes of a programmatic API answer 401 rather than redirect (there are none yet).
API_PREFIXES = ("api/",)

# A value no object holds, per kind of parameter: for the system admin, who sees everything.
MISSING = {IntConverter: 987654321, StringConverter: "999999999999"}

# Every role there is: a role added later is attacked too.
ROLES = tuple(spec["code"] for spec in ROLE_SPECS)


class UnfillableRoute(AssertionError):
    """A URL pattern the suite cannot fill: teach it (see the module's docstring)."""


@dataclass
class World:
    """The cast's places and people, and objects of every kind in both counties."""

    places: Places
    cast: dict[str, User]
    kids: Kids
    # 旺苍县 (county A), where the cast works.
    insider: User  # a village director of 嘉川镇, managed by the county admin
    batch_inside: ImportBatch  # the county admin's own import
    consent_inside: int  # photo consent for the child of 长滩村, who has a photo
    conflict_inside: int  # the insider typed the number of county B's child
    alert_inside: int  # about the insider
    export_inside: int  # the county admin's own export, made
    # Care (guanai.care): a home visit to 长滩村's child, its counsellor's assignment, a
    # proxy parent of the county paired with that child.
    record_inside: int
    assignment_inside: int
    visit_inside: int  # the township supervisor's log of a visit to 长滩村
    helper_inside: int
    pairing_inside: int
    # 青川县 (county B), outside every persona's scope but the system admin's.
    outsider: User  # the village director of 城郊村
    # The county admin of 青川县, who also volunteers in 长滩村: their account is not county
    # A's to see or act on, only that volunteering (accounts/tests/test_account_authority.py).
    visitor: User
    children_outside: list[int]  # approved (with a photo), pending, exited
    batches_outside: list[int]
    consents_outside: list[int]
    conflicts_outside: list[int]  # the outsider typed the number of 长滩村's child
    alerts_outside: list[int]
    exports_outside: list[int]  # the outsider's: one made (its file kept), one waiting
    records_outside: list[int]  # a home visit to county B's child, by the outsider
    assignments_outside: list[int]
    helpers_outside: list[int]  # a proxy parent of county B
    pairings_outside: list[int]  # paired with county B's child
    visits_outside: list[int]  # a visit to 城郊村 logged by county B's supervisor
    extra: dict[str, Any] = field(default_factory=dict)

    def membership(self, user: User) -> int:
        """The user's highest membership."""
        return Membership.objects.filter(user=user).values_list("pk", flat=True)[0]


@dataclass(frozen=True)
class Parameter:
    converter: type
    inside: Callable[[World], list[Any]]
    outside: Callable[[World], list[Any]]


# Every URL parameter name of the project. Values at the same position of two lists go
# together (a user and their membership).
PARAMETERS: dict[str, Parameter] = {
    "child_id": Parameter(
        IntConverter, lambda w: [w.kids.village.pk], lambda w: w.children_outside
    ),
    "code": Parameter(
        StringConverter,
        lambda w: [w.places.village.code, w.places.county.code],
        # County B at every level, and the areas above the cast's county.
        lambda w: [
            w.places.other_county.code,
            w.places.other_county_township.code,
            w.places.other_county_village.code,
            w.places.city.code,
            w.places.province.code,
        ],
    ),
    "school_id": Parameter(
        IntConverter, lambda w: [w.places.school.pk], lambda w: [w.places.other_county_school.pk]
    ),
    "user_id": Parameter(
        IntConverter, lambda w: [w.insider.pk], lambda w: [w.outsider.pk, w.visitor.pk]
    ),
    "membership_id": Parameter(
        IntConverter,
        lambda w: [w.membership(w.insider)],
        lambda w: [w.membership(w.outsider), w.membership(w.visitor)],
    ),
    "batch_id": Parameter(IntConverter, lambda w: [w.batch_inside.pk], lambda w: w.batches_outside),
    "consent_id": Parameter(
        IntConverter, lambda w: [w.consent_inside], lambda w: w.consents_outside
    ),
    "conflict_id": Parameter(
        IntConverter, lambda w: [w.conflict_inside], lambda w: w.conflicts_outside
    ),
    "alert_id": Parameter(IntConverter, lambda w: [w.alert_inside], lambda w: w.alerts_outside),
    "export_id": Parameter(IntConverter, lambda w: [w.export_inside], lambda w: w.exports_outside),
    "record_id": Parameter(IntConverter, lambda w: [w.record_inside], lambda w: w.records_outside),
    "assignment_id": Parameter(
        IntConverter, lambda w: [w.assignment_inside], lambda w: w.assignments_outside
    ),
    "visit_id": Parameter(IntConverter, lambda w: [w.visit_inside], lambda w: w.visits_outside),
    "helper_id": Parameter(IntConverter, lambda w: [w.helper_inside], lambda w: w.helpers_outside),
    "pairing_id": Parameter(
        IntConverter, lambda w: [w.pairing_inside], lambda w: w.pairings_outside
    ),
}


def _batch(user: User, prefix: str, state: str) -> ImportBatch:
    return ImportBatch.objects.create(
        user=user, area_prefix=prefix, file_name="花名册.csv", file_sha256="0" * 64, state=state
    )


def _export(user: User) -> int:
    """The user's masked roster export, asked for (run_jobs makes it)."""
    return export_request(user=user, kind="roster", params={}, fmt="xlsx").pk


def conflict_and_alert(user: User, child: Child) -> tuple[int, int]:
    """The user typed the child's ID number, held out of their reach; and an alert about
    them, as if they had gone on past the day's limit."""
    claim = Claim(
        typed_for=Subject.CHILD,
        id_number=child.id_number,
        index=child.id_number_index,
        holder=Holder(child.pk, Subject.CHILD, child.village_id, child.school_id),
        child_name="冲突儿童",
    )
    conflicts_hold(user=user, claims=[claim], source=Source.CHILD_NEW)
    prefix = scope_for(user).editing_prefix
    alert = ConflictAlert.objects.create(user=user, area_prefix=prefix, conflicts=6)
    return IdentityConflict.objects.get(user=user).pk, alert.pk


def care_of(child: Child, by: User, area: Area, counsellor: User) -> tuple[int, int, int, int]:
    """A home visit to the child by `by`, a counsellor assigned, and a proxy parent of
    `area` with a clear check paired with the child (ids, in that order)."""
    today = timezone.localdate()
    record = CareRecord.objects.create(
        child=child, kind="home_visit", occurred_on=today, by=by, created_by=by, found="家访"
    )
    assignment = Assignment.objects.create(child=child, user=counsellor, kind="counsellor")
    helper = Helper.objects.create(kind="proxy_parent", name="代理妈妈", area=area)
    BackgroundCheck.objects.create(helper=helper, checked_on=today, result="clear")
    pairing = Pairing.objects.create(helper=helper, child=child, started_on=today)
    return record.pk, assignment.pk, helper.pk, pairing.pk


def _visit(supervisor: User, village: Area) -> int:
    """A visit to the village in the supervisor's log."""
    return SupervisionVisit.objects.create(
        township_id=code_of(prefix_at(village.code, "township")),
        village=village,
        visited_on=timezone.localdate(),
        checked="检查走访记录",
        by=supervisor,
    ).pk


def build_world(places: Places, cast: dict[str, User], kids: Kids) -> World:
    """County B gets a user, children in every state, import batches in the states where
    undoing or importing them would do something, a consent and a photo."""
    b_village = places.other_county_village
    outsider = make_user("qingchuan_director", role="village_director", area=b_village)
    visitor = make_user("qingchuan_admin", role="county_admin", area=places.other_county)
    Membership.objects.create(
        user=visitor, role=Role.objects.get(code="volunteer"), area=places.village
    )
    pending = make_child(
        b_village,
        name="钱待审",
        review_state="pending",
        id_number=make_id_number("510822", sequence=42),
    )
    exited = make_child(
        b_village,
        name="孙已出",
        status="exited",
        exit_reason="moved",
        id_number=make_id_number("510822", sequence=43),
    )
    insider = make_user(
        "jiachuan_director", role="village_director", area=places.other_township_village
    )
    conflict_inside, alert_inside = conflict_and_alert(insider, kids.other_county)
    conflict_outside, alert_outside = conflict_and_alert(outsider, kids.village)
    export_inside = _export(cast["county_admin"])
    export_outside = _export(outsider)
    run_jobs("exports")
    record, assignment, helper, pairing = care_of(
        kids.village, cast["village_director"], places.county, cast["counsellor"]
    )
    outside = care_of(kids.other_county, outsider, places.other_county, outsider)
    return World(
        places=places,
        cast=cast,
        kids=kids,
        insider=insider,
        batch_inside=_batch(cast["county_admin"], places.county.prefix, "checked"),
        consent_inside=consent_and_photo(cast["county_admin"], kids.village.pk),
        outsider=outsider,
        visitor=visitor,
        children_outside=[kids.other_county.pk, pending.pk, exited.pk],
        batches_outside=[
            _batch(outsider, b_village.code, "checked").pk,
            _batch(outsider, b_village.code, "imported").pk,
        ],
        consents_outside=[consent_and_photo(outsider, kids.other_county.pk)],
        conflict_inside=conflict_inside,
        alert_inside=alert_inside,
        export_inside=export_inside,
        conflicts_outside=[conflict_outside],
        alerts_outside=[alert_outside],
        exports_outside=[export_outside, _export(outsider)],
        record_inside=record,
        assignment_inside=assignment,
        helper_inside=helper,
        pairing_inside=pairing,
        records_outside=[outside[0]],
        assignments_outside=[outside[1]],
        helpers_outside=[outside[2]],
        pairings_outside=[outside[3]],
        visit_inside=_visit(cast["township_supervisor"], places.village),
        visits_outside=[
            _visit(
                make_user(
                    "qiaozhuang_supervisor",
                    role="township_supervisor",
                    area=places.other_county_township,
                ),
                b_village,
            )
        ],
    )


# --- the app registry, walked ------------------------------------------------------------

# Tables an attack may change without harm, each with why. Every other table of the project
# is in the snapshot (test_attack_urls.py keeps this list to tables that exist).
SNAPSHOT_SKIPS = {
    # Every request that reads personal data is logged, a refused one too; the log's own
    # tests (guanai/audit/tests) check what it records.
    "audit.AccessEvent": "logs the attack's requests",
    "audit.AccessLogHead": "moves with every entry of the access log",
    # Rate limits are lifted for the attacks (unlimited_rates), but still counted.
    "core.RateCounter": "counts the attack's requests",
}


def project_models() -> list[type[models.Model]]:
    """Every model of the project's own apps: a model added later is attacked too."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_config.name.startswith("guanai.")
        and model._meta.managed
        and not model._meta.proxy
    ]


def _plain(value: Any) -> str:
    # Binary columns come back as memoryview, whose str() names its address.
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table of the project (SNAPSHOT_SKIPS aside): its row count and a hash of its
    rows, to show that an attack changed nothing anywhere."""
    state = {}
    for model in project_models():
        label = model._meta.label
        if label in SNAPSHOT_SKIPS:
            continue
        rows = list(model._base_manager.order_by("pk").values())
        text = json.dumps(rows, default=_plain, sort_keys=True, ensure_ascii=False)
        state[label] = (len(rows), hashlib.sha256(text.encode()).hexdigest())
    return state


# --- the URL configuration, walked ---------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "children:child_detail"
    route: str  # "children/<int:child_id>/"
    converters: dict[str, Any]

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(self.converters)

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIXES)

    def url(self, **values: Any) -> str:
        return reverse(self.name, kwargs=values)

    def urls(self, pick: Callable[[str, Parameter], list[Any]]) -> list[str]:
        """The route's URLs with each parameter taken from `pick(name, parameter)`."""
        for name, converter in self.converters.items():
            known = PARAMETERS.get(name)
            if known is None:
                raise UnfillableRoute(
                    f"{self.name} ({self.route}): the attack suite does not know the URL "
                    f"parameter {name!r}. Add it to PARAMETERS in {__name__}, with objects "
                    f"inside the county admin's scope and objects of another county."
                )
            if type(converter) is not known.converter:
                raise UnfillableRoute(
                    f"{self.name} ({self.route}): parameter {name!r} is a "
                    f"{type(converter).__name__}, the attack suite fills it as a "
                    f"{known.converter.__name__}."
                )
        values = {name: pick(name, PARAMETERS[name]) for name in self.params}
        count = max((len(v) for v in values.values()), default=1)
        return [
            self.url(**{name: v[i % len(v)] for name, v in values.items()}) for i in range(count)
        ]


def all_routes() -> list[Route]:
    """Every URL pattern of the project, however deeply included."""
    routes: list[Route] = []

    def walk(patterns: list[Any], prefix: str, converters: dict[str, Any], ns: str) -> None:
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                part, found = str(pattern), pattern.converters
            elif isinstance(pattern, LocalePrefixPattern):
                part, found = pattern.language_prefix, {}
            else:
                raise UnfillableRoute(
                    f"{prefix}{pattern} is a {type(pattern).__name__}: the attack suite fills "
                    "path() routes only. Use path(), or teach attack_kit.all_routes this kind."
                )
            if isinstance(entry, URLResolver):
                inner = f"{ns}:{entry.namespace}" if ns and entry.namespace else entry.namespace
                walk(entry.url_patterns, prefix + part, {**converters, **found}, inner or ns)
            elif isinstance(entry, URLPattern):
                route = prefix + part
                if not entry.name:
                    raise UnfillableRoute(
                        f"{route} has no name: every view is named, so that the suite, the "
                        "scope matrix and templates reach it by reverse()."
                    )
                name = f"{ns}:{entry.name}" if ns else entry.name
                routes.append(Route(name, route, {**converters, **found}))

    walk(get_resolver().url_patterns, "", {}, "")
    return routes


def inside(world: World) -> Callable[[str, Parameter], list[Any]]:
    return lambda _name, parameter: parameter.inside(world)


def outside(world: World) -> Callable[[str, Parameter], list[Any]]:
    return lambda _name, parameter: parameter.outside(world)


def missing(_name: str, parameter: Parameter) -> list[Any]:
    return [MISSING[parameter.converter]]


# --- reading HTML ------------------------------------------------------------------------


@dataclass
class Tag:
    name: str
    attrs: dict[str, str | None]


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(Tag(tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(Tag(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(Tag(f"/{tag}", {}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> tuple[list[Tag], str]:
    """The page's tags ("/form" for an end tag), and its text with entities decoded."""
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags, "".join(parser.text)


@dataclass
class GetForm:
    action: str
    fields: list[str]  # every named field
    boxes: list[str]  # the free-text ones: search boxes


def get_forms(page: str, url: str) -> Iterator[GetForm]:
    """The search and filter forms of a page: forms sent by GET, with their field names."""
    form: GetForm | None = None
    for tag in parse(page)[0]:
        if tag.name == "form":
            if form is not None:
                yield form
            method = (tag.attrs.get("method") or "get").lower()
            is_get = method == "get" and "hx-post" not in tag.attrs
            form = GetForm(tag.attrs.get("action") or url.split("?")[0], [], []) if is_get else None
        elif tag.name == "/form":
            if form is not None:
                yield form
            form = None
        elif form is not None and tag.name in ("input", "select", "textarea"):
            name, kind = tag.attrs.get("name"), tag.attrs.get("type")
            if not name or kind in ("submit", "button") or name in form.fields:
                continue
            form.fields.append(name)
            if tag.name == "textarea" or (tag.name == "input" and kind in (None, "text", "search")):
                form.boxes.append(name)
    if form is not None:
        yield form


def unlimited_rates(settings: Any) -> None:
    """The attacks send hundreds of requests; rate limits (tested on their own) would
    answer 429 before the view could answer what is being tested."""
    settings.RATE_LIMITS = {
        kind: (10**9, period) for kind, (_n, period) in settings.RATE_LIMITS.items()
    }


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def attacker(client: Client) -> Client:
    """The client answering a server error with its 500 rather than raising it, so that an
    attack lists every request that failed."""
    client.raise_request_exception = False
    return client
