"""The demo's care work: what was done for the demo children over the last year, and the
helpers paired with them, so that My tasks, the overdue counts and the helper register show
something real.

- Home visits by each village's child director, at the default contact plan's pace for the
  child's risk level (high weekly, medium fortnightly, low monthly); about one child in nine
  is overdue today, the rest on time (some due within the week).
- Parent–child contacts (亲情电话 or video: who called, for how long) about weekly over the
  last `contact_weeks` weeks for children with a parent away; about one in seven lapsed
  (last contact more than a week ago).
- A few guardian contacts (some at a school's parents' meeting), tutoring by responsible
  teachers, material or money assistance (items, yuan), safety education before the summer
  and winter holidays; follow-ups with a needed-by date on a share of visits, most done,
  some open (overdue or still to come); concern tags (六失) on some visits.
- 478 代理家长 and 732 临时妈妈 (the seeds' figures) in the villages of the demo county, each
  with a clear background check (most within 12 months, about 5 % running out within 30
  days, a few expired) and paired with one child after it; some volunteers and 五老 too,
  and the county's organisations.
- The demo `volunteer` login is a registered volunteer paired with 3 children of its village,
  with records of its own; the demo `counsellor` is assigned to pupils whose guardians
  consented to counselling, with sessions recorded; the demo `teacher` mentors a few pupils.

CareState is filled for every child with records by one INSERT … SELECT grouping the records,
the same dates services.state_refresh computes child by child.

Deterministic like the children (one `random.Random(seed)`), except the encrypted notes'
nonces. Written with `guanai.children.bulk.Table` (executemany, or COPY on PostgreSQL), as
the children are: the records' notes are encrypted one by one as they are written.
"""

import functools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connections, models, router, transaction
from django.utils import timezone

from guanai.accounts.models import User
from guanai.accounts.scope import prefix_q
from guanai.areas.models import Area, AreaLevel
from guanai.care.choices import (
    AssignmentKind,
    Caller,
    CheckResult,
    HelperKind,
    Method,
    RecordKind,
)
from guanai.care.models import (
    Assignment,
    BackgroundCheck,
    CareRecord,
    CareState,
    Helper,
    Pairing,
)
from guanai.care.plans import add_months
from guanai.children.bulk import Factory, Table
from guanai.children.choices import (
    Concern,
    ConsentMethod,
    ConsentPurpose,
    Relationship,
    RiskLevel,
    Status,
)
from guanai.children.models import Child, ChildConsent
from guanai.core.crypto import encrypt
from guanai.core.fields import EncryptedTextField
from guanai.demo.population import MEN, MOBILE_PREFIXES, SURNAMES, WOMEN, Draws
from guanai.demo.services import DemoPlaces

# The seeds: 478 proxy parents (代理家长) and 732 temporary mothers (临时妈妈), each paired.
PROXY_PARENTS = 478
TEMPORARY_MOTHERS = 732
VOLUNTEERS = 160
ELDERS = 60  # 五老: retired cadres, teachers, veterans, model workers and experts
PAIRED_VOLUNTEERS = 80
PAIRED_ELDERS = 30
VOLUNTEER_CHILDREN = 3  # paired with the demo volunteer login

# Visit periods in days: the shortest (on time for sure) and the longest (overdue for sure)
# of the default plan (plans.DEFAULTS: high 1 week, medium 2 weeks, low 1 month).
VISIT_DAYS: dict[str, tuple[int, int]] = {
    RiskLevel.HIGH: (7, 7),
    RiskLevel.MEDIUM: (14, 14),
    RiskLevel.LOW: (28, 31),
}
VISITS_OVERDUE = 0.11
CONTACTS_LAPSED = 0.14
FOLLOW_UP_SHARE: dict[str, float] = {
    RiskLevel.HIGH: 0.25,
    RiskLevel.MEDIUM: 0.1,
    RiskLevel.LOW: 0.04,
}
FOLLOW_UP_LEFT_OPEN = 0.12
# Records per batch written.
BATCH_RECORDS = 20_000


@dataclass(frozen=True)
class CareVolume:
    """How much history to make: visits and the rest over `days`, parent contacts over the
    last `contact_weeks` (a director logs the family calls heard of at each visit; a year of
    weekly calls for every child would be most of the database)."""

    days: int = 365
    contact_weeks: int = 8
    helpers: bool = True


# A province's or city's history: a few weeks (about 3 records a child).
LIGHT = CareVolume(days=40, contact_weeks=2)


@dataclass
class CareCounts:
    records: int = 0
    states: int = 0
    helpers: int = 0
    pairings: int = 0


# --- what the records say ---------------------------------------------------------------------

VISIT_FOUND = (
    "孩子在家写作业，奶奶身体尚可。",
    "孩子精神状态好，家中卫生整洁。",
    "爷爷腿脚不便，孩子帮忙做家务。",
    "孩子说想念妈妈，情绪有些低落。",
    "家中粮油充足，冬衣已备好。",
    "孩子期中考试成绩下降，贪玩手机。",
    "监护人反映孩子放学后常去河边玩。",
    "孩子营养状况一般，偏瘦。",
    "房屋漏雨，监护人无力修缮。",
    "孩子与同学发生矛盾，不愿上学。",
    "孩子按时上学，作业完成较好。",
    "监护人年纪大，辅导不了功课。",
)
VISIT_DONE = (
    "叮嘱监护人看管好孩子，注意安全。",
    "与孩子谈心，鼓励好好学习。",
    "讲解防溺水、防火、防触电知识。",
    "联系学校老师，关注孩子在校情况。",
    "提醒父母每周与孩子通话。",
    "送去学习用品。",
    "帮助联系村委会解决困难。",
    "登记需求，向镇里反映。",
)
FOLLOW_UPS = (
    "联系父母商量孩子转学事宜。",
    "申请临时救助。",
    "请学校老师重点关注。",
    "协调修缮房屋。",
    "复查孩子心理状况。",
    "核实监护人身体状况。",
)
CONTACT_NOTES = (
    "询问学习情况，叮嘱按时吃饭。",
    "孩子想爸爸妈妈，哭了一会儿。",
    "父母答应过年回家。",
    "说了期末考试成绩。",
    "视频看了家里情况。",
)
GUARDIAN_FOUND = (
    "监护人表示孩子在家表现良好。",
    "监护人反映孩子不听话，沉迷手机。",
    "监护人身体不好，照顾吃力。",
    "通报孩子在校表现，请家里配合。",
)
TUTORING = (
    "辅导数学作业，讲解分数应用题。",
    "课后辅导语文阅读理解。",
    "检查英语单词背诵。",
    "辅导作文，讲评错别字。",
)
# (items, yuan): what the seeds' 送温暖 and 助学 brought.
ASSISTANCE = (
    ("书包、文具", Decimal("120")),
    ("冬季棉衣、棉鞋", Decimal("260")),
    ("大米、食用油", Decimal("150")),
    ("助学金", Decimal("500")),
    ("助学金", Decimal("1000")),
    ("春节慰问金", Decimal("300")),
    ("课外读物", Decimal("80")),
)
SAFETY = (
    ("暑假前防溺水安全教育。", "发放安全告知书，监护人签字。"),
    ("寒假前防火、防一氧化碳中毒教育。", "讲解取暖用电安全。"),
)
COUNSELLING = (
    ("孩子不愿与人交流，晚上常做噩梦。", "个别辅导，倾听，教放松方法。"),
    ("孩子自述被同学取笑，觉得孤单。", "沙盘游戏，约定每周谈话一次。"),
    ("情绪较上次稳定，愿意说起父母。", "肯定进步，布置写给妈妈的信。"),
)
VOLUNTEER_RECORDS = (
    (RecordKind.HOME_VISIT, Method.IN_PERSON, "陪孩子读书，帮奶奶收拾屋子。"),
    (RecordKind.TUTORING, Method.IN_PERSON, "辅导数学作业。"),
    (RecordKind.GUARDIAN_CONTACT, Method.PHONE, "电话问候，孩子近况良好。"),
)

_HELPERS, _CHECKS = Factory(Helper), Factory(BackgroundCheck)
_PAIRINGS = Factory(Pairing)
T = TypeVar("T")


@dataclass(frozen=True)
class _Child:
    pk: int
    village: str
    risk: str
    parent_away: bool
    registered: date
    director: int | None
    teacher: int | None
    school: int | None
    concerns: list[str]
    male: bool
    born: date


def _children(root: Area) -> Iterator[_Child]:
    """The active children under root, in key order."""
    rows = (
        Child.objects.filter(prefix_q("village_id", frozenset({root.prefix})))
        .filter(status=Status.ACTIVE, anonymised_at=None)
        .order_by("pk")
        .values_list(
            "pk",
            "village_id",
            "risk_level",
            "parent_away",
            "created_at",
            "director_id",
            "responsible_teacher_id",
            "school_id",
            "concerns",
            "gender",
            "birth_date",
        )
    )
    tz = timezone.get_current_timezone()
    for (
        pk,
        village,
        risk,
        away,
        created,
        director,
        teacher,
        school,
        concerns,
        gender,
        born,
    ) in rows.iterator(chunk_size=5000):
        yield _Child(
            pk,
            village,
            risk,
            away,
            timezone.localtime(created, tz).date(),
            director,
            teacher,
            school,
            list(concerns),
            gender == "male",
            born,
        )


def _constant(value: Any, _given: Any) -> Any:
    return value


class _Writer:
    """Records as rows in batches (Table.insert_rows): a county's year is nearly a million
    records, and making a model instance of each, then reading it back field by field, was
    two thirds of the time."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.table = Table(CareRecord)
        ops = self.table.connection.ops
        fields = self.table.fields
        self.names = [f.attname for f in fields]
        self.defaults = {
            f.attname: f.get_default()
            for f in fields
            if not (f.has_default() and callable(f.default))
        }
        self.key_index = self.names.index(CareRecord._meta.pk.attname)
        now = ops.adapt_datetimefield_value(timezone.now())  # auto_now, as bulk_create sets it
        converters: list[Callable[[Any], Any] | None] = []
        for f in fields:
            if type(f) in Table._AS_IS:
                converters.append(None)
            elif isinstance(f, EncryptedTextField):
                converters.append(encrypt)
            elif type(f) is models.DateField:
                converters.append(ops.adapt_datefield_value)
            elif type(f) is models.DateTimeField and f.auto_now:
                converters.append(functools.partial(_constant, now))
            elif type(f) is models.DateTimeField:
                converters.append(ops.adapt_datetimefield_value)
            else:
                converters.append(
                    functools.partial(f.get_db_prep_save, connection=self.table.connection)
                )
        self.converters = list(zip(self.names, converters, strict=True))
        self.pending: list[list[Any]] = []
        self.written = 0
        self.progress = progress

    def add(self, values: dict[str, Any]) -> None:
        given = self.defaults | values
        self.pending.append(
            [
                given[name] if convert is None else convert(given[name])
                for name, convert in self.converters
            ]
        )
        if len(self.pending) >= BATCH_RECORDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        for row, key in zip(self.pending, self.table.keys(len(self.pending)), strict=True):
            row[self.key_index] = key
        self.table.insert_rows([tuple(row) for row in self.pending])
        self.written += len(self.pending)
        self.pending = []
        if self.progress:
            self.progress(self.written)


@dataclass
class _Generator(Draws):
    rng: random.Random
    today: date
    volume: CareVolume
    writer: _Writer
    tz: tzinfo = field(default_factory=timezone.get_current_timezone)

    def moment(self, day: date) -> datetime:
        minutes = self.between(8 * 60, 19 * 60 - 1)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)

    def record(self, child: _Child, kind: str, day: date, by: int | None, **values: object) -> None:
        self.writer.add(
            {
                "child_id": child.pk,
                "kind": kind,
                "occurred_on": day,
                "by_id": by,
                "created_by_id": by,
                "created_at": self.moment(day),
                **values,
            }
        )

    # - one child's year -

    def child(self, child: _Child) -> None:
        start = max(self.today - timedelta(days=self.volume.days), child.registered)
        if start > self.today:
            return
        self.visits(child, start)
        if child.parent_away:
            self.contacts(
                child, max(start, self.today - timedelta(weeks=self.volume.contact_weeks))
            )
        self.others(child, start)

    def visits(self, child: _Child, start: date) -> None:
        """Visits at the plan's pace, going back from the last one: on time, or overdue by
        up to a period and a half."""
        shortest, longest = VISIT_DAYS.get(child.risk, VISIT_DAYS[RiskLevel.LOW])
        if self.chance(VISITS_OVERDUE):
            day = self.today - timedelta(days=longest + self.between(1, longest * 3 // 2))
        else:
            day = self.today - timedelta(days=self.between(0, shortest - 1))
        while day >= start:
            values: dict[str, object] = {
                "found": self.one_of(VISIT_FOUND),
                "done": self.one_of(VISIT_DONE),
            }
            if child.concerns and self.chance(0.3):
                values["concerns"] = sorted(
                    self.rng.sample(child.concerns, self.between(1, len(child.concerns)))
                )
            if self.chance(FOLLOW_UP_SHARE.get(child.risk, 0.04)):
                values.update(self.follow_up(day, child.director))
            self.record(child, RecordKind.HOME_VISIT, day, child.director, **values)
            day -= timedelta(days=self.between(shortest, longest + shortest // 7))

    def follow_up(self, day: date, by: int | None) -> dict[str, object]:
        needed = day + timedelta(days=self.between(5, 30))
        values: dict[str, object] = {"follow_up": self.one_of(FOLLOW_UPS), "follow_up_by": needed}
        if needed < self.today - timedelta(days=2) and not self.chance(FOLLOW_UP_LEFT_OPEN):
            done = min(self.today, day + timedelta(days=self.between(1, (needed - day).days + 5)))
            values.update(follow_up_done_on=done, follow_up_done_by_id=by)
        elif needed >= self.today - timedelta(days=2) and self.chance(0.3):
            done = max(day, self.today - timedelta(days=self.between(0, 2)))
            values.update(follow_up_done_on=done, follow_up_done_by_id=by)
        return values

    def contacts(self, child: _Child, start: date) -> None:
        """Parent–child calls about weekly; lapsed children's last one more than a week ago."""
        if self.chance(CONTACTS_LAPSED):
            day = self.today - timedelta(days=self.between(8, 40))
        else:
            day = self.today - timedelta(days=self.between(0, 6))
        while day >= start:
            video = self.chance(0.35)
            self.record(
                child,
                RecordKind.PARENT_CONTACT,
                day,
                child.director,
                method=Method.VIDEO if video else Method.PHONE,
                caller=Caller.PARENT if self.chance(0.65) else Caller.CHILD,
                duration_minutes=self.between(3, 40 if video else 25),
                found=self.one_of(CONTACT_NOTES) if self.chance(0.3) else "",
            )
            day -= timedelta(days=self.between(5, 9))

    def others(self, child: _Child, start: date) -> None:
        span = (self.today - start).days
        if self.chance(0.25):
            for _n in range(self.between(1, 2)):
                day = start + timedelta(days=self.between(0, span))
                by, method = child.director, self.one_of((Method.PHONE, Method.IN_PERSON))
                if child.teacher and self.chance(0.5):
                    by, method = child.teacher, Method.PARENTS_MEETING
                self.record(
                    child,
                    RecordKind.GUARDIAN_CONTACT,
                    day,
                    by,
                    method=method,
                    found=self.one_of(GUARDIAN_FOUND),
                )
        tutor = child.teacher or (child.director if Concern.ACADEMIC in child.concerns else None)
        if tutor and child.school:
            for _n in range(self.between(1, 4)):
                day = start + timedelta(days=self.between(0, span))
                self.record(child, RecordKind.TUTORING, day, tutor, done=self.one_of(TUTORING))
        if self.chance(0.12 if child.risk == RiskLevel.LOW else 0.5):
            for _n in range(self.between(1, 2)):
                items, yuan = self.one_of(ASSISTANCE)
                day = start + timedelta(days=self.between(0, span))
                self.record(
                    child,
                    RecordKind.ASSISTANCE,
                    day,
                    child.director,
                    items=items,
                    amount_yuan=yuan,
                )
        for found, done in SAFETY:
            # Before the summer holidays (early July) and the winter ones (mid January).
            day = self._last(7, 1) if "暑假" in found else self._last(1, 12)
            if start <= day and self.chance(0.35):
                self.record(
                    child, RecordKind.SAFETY_EDUCATION, day, child.director, found=found, done=done
                )

    def _last(self, month: int, day: int) -> date:
        """The last such date on or before today, give or take a few days."""
        when = date(self.today.year, month, day)
        if when > self.today:
            when = date(self.today.year - 1, month, day)
        return min(self.today, when + timedelta(days=self.between(0, 6)))


def _states_fill(counts: CareCounts, root: Area) -> None:
    """CareState of every child under root with records and no state yet: the same dates
    services.state_refresh sets, for all of them in one statement (the demo corrects no
    record, so every record counts)."""
    connection = connections[router.db_for_write(CareState)]
    quote = connection.ops.quote_name
    states, records, children = (
        quote(CareState._meta.db_table),
        quote(CareRecord._meta.db_table),
        quote(Child._meta.db_table),
    )
    low, high = root.prefix, root.prefix + "\uffff"
    sql = f"""
        INSERT INTO {states}
            (child_id, last_visit_on, last_parent_contact_on, follow_up_by, shared_follow_up_by)
        SELECT r.child_id,
               MAX(CASE WHEN r.kind = %s THEN r.occurred_on END),
               MAX(CASE WHEN r.kind = %s THEN r.occurred_on END),
               MIN(CASE WHEN r.follow_up_done_on IS NULL THEN r.follow_up_by END),
               MIN(CASE WHEN r.follow_up_done_on IS NULL AND r.kind <> %s
                        THEN r.follow_up_by END)
        FROM {records} r JOIN {children} c ON c.id = r.child_id
        WHERE c.village_id >= %s AND c.village_id < %s
          AND NOT EXISTS (SELECT 1 FROM {states} s WHERE s.child_id = r.child_id)
        GROUP BY r.child_id
    """  # noqa: S608 - table names from the models
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [RecordKind.HOME_VISIT, RecordKind.PARENT_CONTACT, RecordKind.COUNSELLING, low, high],
        )
        counts.states = cursor.rowcount


# --- helpers ----------------------------------------------------------------------------------


def _helper_name(rng: random.Random, woman: bool) -> str:
    return SURNAMES.pick(rng) + (WOMEN if woman else MEN).pick(rng)


def _phone(rng: random.Random) -> str:
    prefix = MOBILE_PREFIXES[int(rng.random() * len(MOBILE_PREFIXES))]
    return f"{prefix}{int(rng.random() * 10**8):08d}"


def _check_date(rng: random.Random, today: date) -> date:
    """Most within the year; about 5 % running out within 30 days; about 2 % expired."""
    year_ago = add_months(today, -12)
    roll = rng.random()
    if roll < 0.05:
        return year_ago + timedelta(days=int(rng.random() * 30))
    if roll < 0.07:
        return year_ago - timedelta(days=5 + int(rng.random() * 60))
    return today - timedelta(days=10 + int(rng.random() * 320))


def _helpers_make(
    *,
    rng: random.Random,
    today: date,
    county: Area,
    children: list[_Child],
    places: DemoPlaces,
    users: dict[str, User],
    generator: _Generator,
    counts: CareCounts,
) -> None:
    """The county's helpers: proxy parents and temporary mothers each paired with one child
    (the neediest first), volunteers and 五老 (some paired), organisations; and the demo
    volunteer login with its own pairings and records."""
    county_children = [c for c in children if c.village.startswith(county.prefix)]
    if not county_children:
        return
    short = county.name
    organisations: dict[str, tuple[str, ...]] = {
        HelperKind.PROXY_PARENT: ("村党支部", "镇中心小学", "村民委员会"),
        HelperKind.TEMPORARY_MOTHER: (f"{short}妇女联合会", "巾帼志愿服务队"),
        HelperKind.VOLUNTEER: (f"共青团{short}委员会", f"{short}青年志愿者协会", "县人民医院"),
        HelperKind.ELDER: (f"{short}关心下一代工作委员会",),
    }
    rank: dict[str, int] = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}
    proxy_first = sorted(county_children, key=lambda c: (rank.get(c.risk, 3), rng.random()))
    taken: set[int] = set()

    def pick(order: Sequence[_Child]) -> _Child | None:
        for child in order:
            if child.pk not in taken:
                taken.add(child.pk)
                return child
        return None

    # Temporary mothers look after girls and young children first.
    mothers_first = sorted(
        county_children, key=lambda c: (c.male, (today - c.born).days > 12 * 365, rng.random())
    )
    plan: list[tuple[str, int, Sequence[_Child] | None]] = [
        (HelperKind.PROXY_PARENT, PROXY_PARENTS, proxy_first),
        (HelperKind.TEMPORARY_MOTHER, TEMPORARY_MOTHERS, mothers_first),
        (HelperKind.VOLUNTEER, VOLUNTEERS, None),
        (HelperKind.ELDER, ELDERS, None),
    ]
    paired_quota: dict[str, int] = {
        HelperKind.VOLUNTEER: PAIRED_VOLUNTEERS,
        HelperKind.ELDER: PAIRED_ELDERS,
    }
    villages = sorted({c.village for c in county_children})
    creator = users.get("county_admin")
    creator_id = creator.pk if creator else None
    # (helper, day checked, child paired or None)
    made: list[tuple[Helper, date | None, _Child | None]] = []
    for kind, number, order in plan:
        for n in range(number):
            paired = order is not None or n < paired_quota.get(kind, 0)
            child = pick(order if order is not None else proxy_first[::-1]) if paired else None
            area = child.village if child else villages[int(rng.random() * len(villages))]
            woman = kind == HelperKind.TEMPORARY_MOTHER or rng.random() < 0.55
            checked = _check_date(rng, today)
            helper = _HELPERS.make(
                kind=kind,
                name=_helper_name(rng, woman),
                phone=_phone(rng),
                organisation=organisations[kind][int(rng.random() * len(organisations[kind]))],
                area_id=area,
                created_by_id=creator_id,
                created_at=generator.moment(checked),
            )
            made.append((helper, checked, child))
    for name in (
        f"共青团{short}委员会",
        f"{short}妇女联合会",
        f"{short}关心下一代工作委员会",
        f"{short}爱心志愿者协会",
    ):
        organisation = _HELPERS.make(
            kind=HelperKind.ORGANISATION,
            name=name,
            area_id=county.code,
            created_by_id=creator_id,
            created_at=generator.moment(today - timedelta(days=300)),
        )
        made.append((organisation, None, None))
    volunteer = users.get("volunteer")
    volunteer_helper = None
    if volunteer is not None and not Helper.objects.filter(user=volunteer).exists():
        recent = today - timedelta(days=40)
        volunteer_helper = _HELPERS.make(
            kind=HelperKind.VOLUNTEER,
            name=volunteer.full_name.split()[-1],
            phone=_phone(rng),
            organisation=f"{short}青年志愿者协会",
            area_id=places.village.code,
            user_id=volunteer.pk,
            created_by_id=creator_id,
            created_at=generator.moment(recent),
        )
        village_children = [
            c for c in county_children if c.village == places.village.code and c.pk not in taken
        ]
        for child in village_children[:VOLUNTEER_CHILDREN]:
            taken.add(child.pk)
            made.append((volunteer_helper, recent, child))
        if not village_children:
            made.append((volunteer_helper, recent, None))
    Table(Helper).insert(list({id(h): h for h, _c, _p in made}.values()))
    checks, pairings = [], []
    own: list[tuple[Pairing, _Child]] = []
    checked_helpers: set[int] = set()
    for helper, on, child in made:
        if on is None:
            continue
        checked = on
        if helper.pk not in checked_helpers:
            checked_helpers.add(helper.pk)
            checks.append(
                _CHECKS.make(
                    helper_id=helper.pk,
                    checked_on=checked,
                    result=CheckResult.CLEAR,
                    authority=f"{short}公安局",
                    recorded_by_id=creator_id,
                    recorded_at=generator.moment(checked),
                )
            )
        if child is None:
            continue
        if helper is volunteer_helper:
            started = checked + timedelta(days=7)
        else:
            started = min(today, checked + timedelta(days=int(rng.random() * 45)))
        pairing = _PAIRINGS.make(
            helper_id=helper.pk,
            child_id=child.pk,
            started_on=started,
            created_by_id=creator_id,
            created_at=generator.moment(started),
        )
        pairings.append(pairing)
        if helper is volunteer_helper:
            own.append((pairing, child))
    Table(BackgroundCheck).insert(checks)
    Table(Pairing).insert(pairings)
    counts.helpers = len({id(h) for h, _c, _p in made})
    counts.pairings = len(pairings)
    for pairing, child in own:
        for weeks_ago, (kind, method, text) in zip((4, 2, 0), VOLUNTEER_RECORDS, strict=True):
            day = max(pairing.started_on, today - timedelta(weeks=weeks_ago, days=1))
            generator.record(
                child,
                kind,
                day,
                volunteer.pk if volunteer else None,
                method=method,
                found=text,
                pairing_id=pairing.pk,
            )


# --- the school's counsellor and mentor -------------------------------------------------------


def _school_staff_make(
    *,
    rng: random.Random,
    today: date,
    places: DemoPlaces,
    users: dict[str, User],
    generator: _Generator,
) -> None:
    """The demo counsellor assigned to pupils of the demo school whose guardians consented
    to counselling, with their sessions; the demo teacher the mentor of a few others."""
    counsellor, teacher = users.get("counsellor"), users.get("teacher")
    admin = users.get("school_admin") or users.get("village_director")
    if counsellor is None or teacher is None or admin is None:
        return
    pupils = list(
        Child.objects.filter(school=places.school, status=Status.ACTIVE)
        .select_related("guardian")
        .order_by("pk")
    )
    # Those the counsellor answers for (心理失衡, 感情缺失) first.
    pupils.sort(key=lambda c: (c.responsible_teacher_id != counsellor.pk, c.pk))
    for child in pupils[:4]:
        given = max(child.created_at.date(), today - timedelta(days=90 + int(rng.random() * 60)))
        ChildConsent.objects.create(
            child=child,
            purpose=ConsentPurpose.COUNSELLING,
            given_by=child.guardian.name if child.guardian else "监护人",
            relationship=child.guardian_relationship or Relationship.OTHER,
            given_on=given,
            method=ConsentMethod.WRITTEN,
            recorded_by=admin,
        )
        Assignment.objects.create(
            child=child,
            user=counsellor,
            kind=AssignmentKind.COUNSELLOR,
            started_on=given,
            assigned_by=admin,
        )
        state = _Child(
            child.pk,
            child.village_id,
            child.risk_level,
            child.parent_away,
            given,
            child.director_id,
            child.responsible_teacher_id,
            child.school_id,
            [],
            child.gender == "male",
            child.birth_date,
        )
        for n, (found, done) in enumerate(COUNSELLING[: 1 + int(rng.random() * 3)]):
            day = min(today, given + timedelta(days=7 + 21 * n))
            generator.record(
                state, RecordKind.COUNSELLING, day, counsellor.pk, found=found, done=done
            )
    for child in [c for c in pupils[4:] if c.responsible_teacher_id is None][:4]:
        Assignment.objects.create(
            child=child,
            user=teacher,
            kind=AssignmentKind.MENTOR,
            started_on=today - timedelta(days=60),
            assigned_by=admin,
        )


def demo_care_generate(
    *,
    root: Area,
    places: DemoPlaces | None,
    users: Sequence[User] = (),
    seed: int = 2016,
    volume: CareVolume = CareVolume(),
    progress: Callable[[int], None] | None = None,
) -> CareCounts:
    """Care records, states and helpers of the active children under root (see the module's
    docstring), in one transaction. Returns what was made."""
    if root.level not in (AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY):
        raise ValueError(f"area {root.code} is not a province, city or county")
    rng = random.Random(seed + 3)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    counts = CareCounts()
    by_name = {u.username: u for u in users}
    with transaction.atomic():
        writer = _Writer(progress)
        generator = _Generator(rng=rng, today=today, volume=volume, writer=writer)
        # The demo county's children, for its helpers to be paired with.
        county = places.county.prefix if places is not None and volume.helpers else None
        children = []
        for child in _children(root):
            generator.child(child)
            if county is not None and child.village.startswith(county):
                children.append(child)
        if volume.helpers and places is not None:
            _helpers_make(
                rng=rng,
                today=today,
                county=places.county,
                children=children,
                places=places,
                users=by_name,
                generator=generator,
                counts=counts,
            )
            _school_staff_make(
                rng=rng, today=today, places=places, users=by_name, generator=generator
            )
        writer.flush()
        counts.records = writer.written
        _states_fill(counts, root)
    return counts
