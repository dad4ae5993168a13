"""The demo's children: a plausible roster of left-behind children over real villages.

Proportions follow the seeds and the issue: guardianship 74 % grandparents, 25 % relatives
or other entrusted carers, 1 % nobody (the seeds' township survey); ages 0–5 21.7 %,
6–13 67.4 %, 14–16 10.9 %; a quarter of families with two children; about one family in
seven with a parent at home (the seeds: "近1/5的留守学生家长选择了就近打工"), so that the
2016 definition and the broad one tell different stories.

Deterministic: every draw comes from one `random.Random(seed)`, areas and schools are read in
code order and ages count from today, so the same seed over the same areas gives the same
names, dates and numbers. The encrypted columns still differ from run to run: every
encryption draws a fresh nonce.

Built for size: a whole province (a million children, three million family members) loads in
batches of 5 000 children, each written with a few executemany INSERTs (see `guanai.children.bulk`) and
no query per row; memory stays flat.
"""

import gc
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db import connections, router, transaction
from django.utils import timezone
from stdnum.cn import ric

from guanai.accounts.models import Membership, Role, User
from guanai.accounts.scope import prefix_q
from guanai.areas.codes import PREFIX_LENGTH, ancestor_codes, code_at, prefix_at
from guanai.areas.models import Area, AreaLevel, School
from guanai.children.bulk import Factory, page_cache
from guanai.children.choices import (
    Assessment,
    Assistance,
    Concern,
    ExitReason,
    GuardianshipType,
    Health,
    IncomeSource,
    ReviewState,
    Schooling,
    Status,
)
from guanai.children.derived import child_derive
from guanai.children.idnumber import FEMALE, MALE, id_index
from guanai.children.models import Child, ChildChange, Person
from guanai.demo.bulk import Batch, Tables
from guanai.demo.population import (
    AGES,
    ASSESSMENTS,
    BOARDING,
    BOTH_AWAY,
    BOYS,
    CONCERNS,
    DISABILITIES,
    DISABILITY_GRADES,
    ETHNICITIES,
    ETHNICITIES_BY_CITY,
    EXIT_NOTES,
    EXIT_REASONS,
    GIRLS,
    GRANDPARENT_GUARDIANS,
    GUARDIANSHIP,
    ILLNESSES,
    INCAPACITIES,
    KINDERGARTEN_GRADES,
    MALE_RELATIONSHIPS,
    MATERNAL,
    MEN,
    MOBILE_PREFIXES,
    NUMERALS,
    OLD_AGE_NOTES,
    OLD_MEN,
    OLD_WOMEN,
    ONE_MISSING,
    ONE_UNABLE,
    PARENT_PATTERNS,
    RELATIVES,
    RETURN_COMMENTS,
    RETURNED_IN_DEMO_VILLAGE,
    RETURNED_SHARE,
    RISK_OTHERS,
    RISK_UNGUARDED,
    RISK_UNWELL,
    RISK_WEAKLY_GUARDED,
    SPOUSE,
    STAGES_FOR,
    SURNAMES,
    TAGGED,
    UPDATED_SHARE,
    WOMEN,
    WORK_PLACES,
    Draws,
    Weighted,
)
from guanai.demo.services import DemoPlaces

DEFAULT_SEED = 2016
# Children per batch, written with four INSERTs (about 3 family members each).
BATCH_SIZE = 5000

T = TypeVar("T")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- places and schools -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Village:
    code: str
    township: str
    county: str  # the 12-digit code of the county
    area_code: str  # its first six digits: where residents' ID numbers are issued
    city_name: str
    address: str  # province to village, as an address begins
    rural: bool
    ethnicities: Weighted[str]


def _villages(root: Area) -> list[_Village]:
    """Every village under root, in code order, with the names its addresses begin with."""
    names = dict(
        Area.objects.filter(
            # The province and city above root; the county and below come with the villages.
            code__in=ancestor_codes(root.code, min(len(root.prefix), PREFIX_LENGTH["county"]))
        ).values_list("code", "name")
    )
    rows = (
        Area.objects.filter(code__startswith=root.prefix)
        .order_by("code")
        .values_list("code", "name", "level", "parent_id")
    )
    villages = []
    for code, name, level, parent in rows:
        if level != AreaLevel.VILLAGE:
            names[code] = name
            continue
        short = Area(code=code, name=name, level=level).short_name
        place = [names.get(code_at(code, level), "") for level in ("province", "city", "county")]
        city = names.get(code_at(code, "city"), "")
        villages.append(
            _Village(
                code=code,
                township=parent,
                county=code_at(code, "county"),
                area_code=prefix_at(code, "county"),
                city_name=city,
                address="".join([*place, names.get(parent, ""), short]),
                rural="社区" not in name,
                ethnicities=ETHNICITIES_BY_CITY.get(prefix_at(code, "city"), ETHNICITIES),
            )
        )
    return villages


def _quotas(villages: Sequence[_Village], count: int, rng: random.Random) -> list[int]:
    """How many children each village gets: `count` in all, fewer in urban communities."""
    weights = [(1.0 if v.rural else 0.35) * (0.5 + rng.random()) for v in villages]
    total = sum(weights)
    shares = [count * w / total for w in weights]
    quotas = [int(s) for s in shares]
    # Largest remainders first; ties by position, so the result is deterministic.
    by_remainder = sorted(range(len(shares)), key=lambda i: (quotas[i] - shares[i], i))
    for i in by_remainder[: count - sum(quotas)]:
        quotas[i] += 1
    return quotas


class _Schools:
    """The school a child of a township at some schooling stage goes to.

    The township's own schools first; the county's otherwise (senior high and vocational
    schools stand in the county seat).
    """

    def __init__(self, root: Area) -> None:
        self._in_township: dict[tuple[str, str], list[int]] = {}
        self._in_county: dict[tuple[str, str], list[int]] = {}
        rows = (
            School.objects.filter(area__code__startswith=root.prefix)
            .order_by("code")
            .values_list("pk", "area_id", "stage")
        )
        for pk, township, stage in rows:
            for schooling, stages in STAGES_FOR.items():
                if stage in stages:
                    self._in_township.setdefault((township, schooling), []).append(pk)
                    county = code_at(township, "county")
                    self._in_county.setdefault((county, schooling), []).append(pk)

    def pick(self, rng: random.Random, village: _Village, schooling: str) -> int | None:
        choices = self._in_township.get((village.township, schooling)) or self._in_county.get(
            (village.county, schooling)
        )
        return choices[int(rng.random() * len(choices))] if choices else None


# --- ID numbers -------------------------------------------------------------------------------


class _IdNumbers:
    """Resident ID numbers that pass the GB 11643 check and never repeat within a run.

    The sequence code (digits 15–17, odd for men) is counted per area code, birth date and
    gender. Villages come in code order, so each county's people are made together and the
    counters start afresh with each county: memory stays flat however many are made.
    """

    def __init__(self) -> None:
        self._area_code = ""
        self._used: dict[tuple[int, bool], int] = {}

    def make(self, area_code: str, birth: date, male: bool) -> str:
        if area_code != self._area_code:
            self._area_code, self._used = area_code, {}
        key = (birth.toordinal(), male)
        n = self._used.get(key, 0)
        if n >= 500:  # every sequence code of that day is taken: leave the number unknown
            return ""
        self._used[key] = n + 1
        # Spread the codes over 000–999 rather than counting up from 001 everywhere.
        slot = (n + key[0] * 7 + int(area_code)) % 500
        body = f"{area_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{2 * slot + male:03d}"
        return body + ric.calc_check_digit(body + "0")


# --- the generator ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Staff:
    """The demo users the records point at, by key."""

    director: int | None = None
    director_village: str = ""
    teacher: int | None = None
    counsellor: int | None = None
    teacher_school: int | None = None
    supervisor: int | None = None
    supervisor_township: str = ""
    county_admin: int | None = None


def _staff(places: DemoPlaces | None, users: Sequence[User]) -> _Staff:
    if places is None:
        return _Staff()
    by_name = {user.username: user.pk for user in users}
    return _Staff(
        director=by_name.get("village_director"),
        director_village=places.village.code,
        teacher=by_name.get("teacher"),
        counsellor=by_name.get("counsellor"),
        teacher_school=places.school.pk,
        supervisor=by_name.get("township_supervisor"),
        supervisor_township=places.township.code,
        county_admin=by_name.get("county_admin"),
    )


def village_director_username(village_code: str) -> str:
    return f"director_{village_code}"


def _village_directors(villages: Sequence[_Village], staff: _Staff, seed: int) -> dict[str, int]:
    """The child director (儿童主任) of every village, by village code: who registered its
    children and submits them for review (填报人). The demo village has the demo login;
    every other village an account of its own that cannot log in (no password), made once
    and kept, so that loading children again after deleting them finds the same people."""
    names = random.Random(seed + 1)  # noqa: S311 - demo data; apart from the children's draws
    wanted = {
        village_director_username(v.code): v.code
        for v in villages
        if v.code != staff.director_village or staff.director is None
    }
    existing = dict(User.objects.filter(username__in=list(wanted)).values_list("username", "pk"))
    User.objects.bulk_create(
        [
            User(
                username=username,
                full_name=f"儿童主任 {names_pick(names)}",
                password=make_password(None),
            )
            for username in wanted
            if username not in existing
        ],
        batch_size=2000,
    )
    by_username = dict(User.objects.filter(username__in=list(wanted)).values_list("username", "pk"))
    role = Role.objects.get(code="village_director")
    Membership.objects.bulk_create(
        [
            Membership(user_id=by_username[username], role=role, area_id=code)
            for username, code in wanted.items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    directors = {code: by_username[username] for username, code in wanted.items()}
    if staff.director is not None:
        directors[staff.director_village] = staff.director
    return directors


def names_pick(rng: random.Random) -> str:
    """A grown-up's name: most village child directors are women (民发〔2019〕34号 asks for
    women cadres where possible)."""
    given = WOMEN if rng.random() < 0.7 else MEN
    return SURNAMES.pick(rng) + given.pick(rng)


_PERSONS, _CHILDREN = Factory(Person), Factory(Child)


class _Generator(Draws):
    def __init__(
        self,
        *,
        rng: random.Random,
        today: date,
        schools: _Schools,
        staff: _Staff,
        directors: dict[str, int],
        story: random.Random,
    ):
        self.rng = rng
        self.today = today
        self.schools = schools
        self.staff = staff
        self.directors = directors
        # The review story draws from its own generator, so that the children themselves
        # stay what the seed made them before the story was told.
        self.story = story
        self.ids = _IdNumbers()
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()

    # - small draws -

    def phone(self) -> str:
        return f"{self.one_of(MOBILE_PREFIXES)}{self.between(0, 10**8 - 1):08d}"

    def born_before(self, day: date, years: tuple[int, int]) -> date:
        low, high = years
        return day - timedelta(days=self.between(low * 365, high * 365))

    def moment(self, day: date) -> datetime:
        minutes = self.between(8 * 60, 18 * 60 - 1)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)

    def birth_dates(self, size: int) -> list[date]:
        """Birth dates of `size` siblings, oldest first, at least 300 days apart."""
        births: list[date] = []
        while len(births) < size:
            age = AGES.pick(self.rng)
            latest = _years_before(self.today, age)
            earliest = _years_before(self.today, age + 1) + timedelta(days=1)
            born = earliest + timedelta(days=self.between(0, (latest - earliest).days))
            if all(abs((born - other).days) >= 300 for other in births):
                births.append(born)
        return sorted(births)

    def work_place(self, village: _Village) -> tuple[str, str]:
        for _attempt in range(3):
            province, city = WORK_PLACES.pick(self.rng)
            if city != village.city_name:  # working in one's own city is not going away
                break
        return province, city

    # - people -

    def person(
        self,
        village: _Village,
        *,
        name: str,
        male: bool,
        born: date,
        with_id: float,
        with_phone: float,
        address: str = "",
    ) -> Person:
        number = self.ids.make(village.area_code, born, male) if self.chance(with_id) else ""
        return _PERSONS.make(
            name=name,
            gender=MALE if male else FEMALE,
            birth_date=born,
            id_number=number,
            id_number_index=id_index(number),
            phone=self.phone() if self.chance(with_phone) else "",
            address=address,
        )

    def grandparent(
        self, village: _Village, relationship: str, surnames: dict[str, str], parent_born: date
    ) -> Person:
        male = relationship in MALE_RELATIONSHIPS
        side = "mother" if relationship in MATERNAL else "father"
        surname = surnames[side] if male else SURNAMES.pick(self.rng)
        given = (OLD_MEN if male else OLD_WOMEN).pick(self.rng)
        person = self.person(
            village,
            name=surname + given,
            male=male,
            born=self.born_before(parent_born, (20, 32)),
            with_id=0.7,
            with_phone=0.4,
        )
        if self.chance(0.2):
            person.health_note = self.one_of(OLD_AGE_NOTES)
        return person

    # - one family -

    def parents(
        self, village: _Village, eldest: date, surnames: dict[str, str], guardianship: str
    ) -> tuple[Person | None, Person | None, str]:
        """Father, mother (None when not on record) and which parent pattern they follow."""
        rng = self.rng
        # The father 22 to 38 years older than the eldest child, the mother 20 to 34.
        father, mother = (
            self.person(
                village,
                name=surnames[parent] + (MEN if male else WOMEN).pick(rng),
                male=male,
                born=self.born_before(eldest, years),
                with_id=0.9,
                with_phone=0.95,
            )
            for parent, male, years in (("father", True, (22, 38)), ("mother", False, (20, 34)))
        )
        # Nobody looks after the child only when no parent is at home.
        none = guardianship == GuardianshipType.NONE
        pattern = BOTH_AWAY if none else PARENT_PATTERNS.pick(rng)
        away, other = (father, mother) if self.chance(0.6) else (mother, father)
        away.away_for_work = True
        away.work_province, away.work_city = self.work_place(village)
        if pattern == BOTH_AWAY:
            other.away_for_work = True
            if self.chance(0.7):  # couples mostly work in the same city
                other.work_province, other.work_city = away.work_province, away.work_city
            else:
                other.work_province, other.work_city = self.work_place(village)
        elif pattern == ONE_UNABLE:
            incapacity, notes = self.one_of(INCAPACITIES)
            other.able_to_guard = False
            other.incapacity = incapacity
            other.health_note = self.one_of(notes)
        elif pattern == ONE_MISSING:
            return (None, mother, pattern) if other is father else (father, None, pattern)
        return father, mother, pattern

    def carers(
        self,
        village: _Village,
        guardianship: str,
        surnames: dict[str, str],
        parents_born: dict[str, date],
    ) -> tuple[Person | None, str, list[tuple[str, Person]]]:
        """The guardian, their relationship to the child, and the grandparents on record."""
        rng = self.rng
        grandparents: list[tuple[str, Person]] = []
        if guardianship == GuardianshipType.GRANDPARENT:
            relationship = GRANDPARENT_GUARDIANS.pick(rng)
            side = "mother" if relationship in MATERNAL else "father"
            guardian = self.grandparent(village, relationship, surnames, parents_born[side])
            guardian.phone = guardian.phone or (self.phone() if self.chance(0.8) else "")
            grandparents.append((relationship, guardian))
            if self.chance(0.65):
                spouse = SPOUSE[relationship]
                grandparents.append(
                    (spouse, self.grandparent(village, spouse, surnames, parents_born[side]))
                )
            return guardian, relationship, grandparents
        if guardianship == GuardianshipType.RELATIVE:
            kind = RELATIVES.pick(rng)
            male = kind.male if kind.male is not None else self.chance(0.5)
            surname = surnames[kind.side] if kind.side else SURNAMES.pick(rng)
            guardian = self.person(
                village,
                name=surname + (MEN if male else WOMEN).pick(rng),
                male=male,
                born=self.born_before(parents_born["father"], kind.years_older_than_father),
                with_id=0.85,
                with_phone=0.9,
            )
            if self.chance(0.3):  # grandparents alive, but too old or frail to look after them
                relationship = GRANDPARENT_GUARDIANS.pick(rng)
                side = "mother" if relationship in MATERNAL else "father"
                grandparent = self.grandparent(village, relationship, surnames, parents_born[side])
                grandparents.append((relationship, grandparent))
            return guardian, kind.relationship, grandparents
        return None, "", grandparents

    def family(self, village: _Village, size: int, batch: Batch) -> None:
        """One family of `size` children: parents, guardian, grandparents, the children."""
        rng = self.rng
        births = self.birth_dates(size)
        guardianship = GUARDIANSHIP.pick(rng)
        surnames = {"father": SURNAMES.pick(rng), "mother": SURNAMES.pick(rng)}
        child_surname = surnames["father"] if self.chance(0.95) else surnames["mother"]
        if village.rural:
            home = f"{self.between(1, 12)}组{self.between(1, 80)}号"
        else:
            home = f"{self.between(1, 60)}号"
        address = village.address + home

        father, mother, pattern = self.parents(village, births[0], surnames, guardianship)
        # A parent not on record (or without a birth date) is taken as born 28 years before
        # the eldest child: relatives' and grandparents' ages are drawn from it.
        unknown_parent = _years_before(births[0], 28)
        parents_born = {
            "father": father.birth_date if father and father.birth_date else unknown_parent,
            "mother": mother.birth_date if mother and mother.birth_date else unknown_parent,
        }
        guardian, relationship, grandparents = self.carers(
            village, guardianship, surnames, parents_born
        )
        if guardian is not None and self.chance(0.8):
            guardian.address = address
        batch.persons.extend(p for p in (father, mother) if p is not None)
        batch.persons.extend(person for _relationship, person in grandparents)
        if guardian is not None and guardianship == GuardianshipType.RELATIVE:
            batch.persons.append(guardian)

        if guardianship == GuardianshipType.NONE:
            assessment = Assessment.NO_GUARDIAN
        elif pattern == ONE_UNABLE and self.chance(0.7):
            assessment = Assessment.PARENT_INCAPABLE
        else:
            assessment = ASSESSMENTS.pick(rng)
        family_assistance: list[str] = [Assistance.DIBAO] if self.chance(0.08) else []
        if self.chance(0.03):
            family_assistance.append(Assistance.TEMPORARY)
        if guardianship == GuardianshipType.NONE and self.chance(0.4):
            family_assistance.append(Assistance.UNSUPPORTED_CHILD)
        income: list[str] = [IncomeSource.MIGRANT_WORK]
        if self.chance(0.55):
            income.append(IncomeSource.FARMING)
        if self.chance(0.06):
            income.append(IncomeSource.BUSINESS)
        if family_assistance:
            income.append(IncomeSource.ASSISTANCE)
        hukou_rural = self.chance(0.97 if village.rural else 0.8)
        ethnicity = village.ethnicities.pick(rng)
        entrusted_on = None
        if guardian is not None and self.chance(
            0.9 if guardianship == GuardianshipType.RELATIVE else 0.6
        ):
            entrusted_on = min(self.today, births[-1] + timedelta(days=self.between(30, 2000)))

        for born in births:
            child = self.child(
                village,
                born=born,
                surname=child_surname,
                ethnicity=ethnicity,
                hukou_rural=hukou_rural,
                address=address if self.chance(0.9) else "",
                assessment=assessment,
                family_assistance=family_assistance,
            )
            child.father, child.mother, child.guardian = father, mother, guardian
            child.guardianship_type = guardianship
            child.guardian_relationship = relationship
            child.entrustment_confirmed_on = entrusted_on
            child.income_sources = income
            # The left-behind facts, pinyin and ID index, as every registration sets them.
            child_derive(child)
            self.review_story(child, village, batch)
            batch.children.append(child)
            batch.links.extend((child, person, relation) for relation, person in grandparents)

    def child(
        self,
        village: _Village,
        *,
        born: date,
        surname: str,
        ethnicity: str,
        hukou_rural: bool,
        address: str,
        assessment: str,
        family_assistance: list[str],
    ) -> Child:
        rng = self.rng
        staff = self.staff
        male = self.chance(0.515)
        age = _age_on(born, self.today)

        health, category, grade_of_disability, illness = Health.HEALTHY, "", "", ""
        roll = rng.random()
        if roll < 0.015:
            health = Health.DISABLED
            category = self.one_of(DISABILITIES)
            grade_of_disability = self.one_of(DISABILITY_GRADES)
        elif roll < 0.025:
            health = Health.SERIOUSLY_ILL
            illness = self.one_of(ILLNESSES)

        schooling, grade = self.schooling(age)
        school_id = self.schools.pick(rng, village, schooling) if schooling in STAGES_FOR else None
        class_name = f"{self.between(1, 3)}班" if school_id else ""
        boarding = self.chance(BOARDING.get(schooling, 0.0)) if school_id else False

        if assessment == Assessment.NO_GUARDIAN:
            risk = RISK_UNGUARDED.pick(rng)
        elif assessment in (Assessment.GUARDIAN_INSUFFICIENT, Assessment.PARENT_INCAPABLE):
            risk = RISK_WEAKLY_GUARDED.pick(rng)
        elif health != Health.HEALTHY:
            risk = RISK_UNWELL.pick(rng)
        else:
            risk = RISK_OTHERS.pick(rng)
        concerns = rng.sample(CONCERNS, self.between(1, 3)) if self.chance(TAGGED[risk]) else []

        assistance = list(family_assistance)
        if health == Health.DISABLED and self.chance(0.85):
            assistance.append(Assistance.DISABILITY)
        if (health == Health.SERIOUSLY_ILL and self.chance(0.6)) or self.chance(0.01):
            assistance.append(Assistance.MEDICAL)
        if school_id and (Assistance.DIBAO in family_assistance or self.chance(0.1)):
            assistance.append(Assistance.EDUCATION)

        created_on = min(
            self.today,
            max(born + timedelta(days=7), self.today - timedelta(self.between(30, 1000))),
        )
        created_at = self.moment(created_on)
        approved = self.chance(0.97)
        reviewed_at = (
            self.moment(min(self.today, created_on + timedelta(days=self.between(1, 14))))
            if approved
            else None
        )
        exit_reason: str = ""
        exited_on = None
        if self.chance(0.02):
            exit_reason = (
                ExitReason.AGED_OUT if age >= 16 and self.chance(0.5) else EXIT_REASONS.pick(rng)
            )
            exited_on = min(self.today, created_on + timedelta(days=self.between(1, 365)))
        return _CHILDREN.make(
            name=surname + (BOYS if male else GIRLS).pick(rng),
            gender=MALE if male else FEMALE,
            ethnicity=ethnicity,
            birth_date=born,
            id_number=self.ids.make(village.area_code, born, male) if self.chance(0.97) else "",
            hukou_area_id=village.code,
            hukou_rural=hukou_rural,
            village_id=village.code,
            address=address,
            health=health,
            disability_category=category,
            disability_grade=grade_of_disability,
            illness=illness,
            schooling=schooling,
            school_id=school_id,
            grade=grade,
            class_name=class_name,
            boarding=boarding,
            assessment=assessment,
            assistance=assistance,
            risk_level=risk,
            concerns=concerns,
            status=Status.EXITED if exit_reason else Status.ACTIVE,
            exit_reason=exit_reason,
            exit_note=EXIT_NOTES[exit_reason] if exit_reason else "",
            exited_on=exited_on,
            # Recorded on the day it happened (at noon, so the random draws stay the same).
            exit_recorded_at=(
                datetime.combine(exited_on, time(12), tzinfo=self.tz) if exited_on else None
            ),
            review_state=ReviewState.APPROVED if approved else ReviewState.PENDING,
            reviewed_at=reviewed_at,
            reviewed_by_id=(
                staff.supervisor
                if approved and village.township == staff.supervisor_township
                else None
            ),
            created_at=created_at,
            created_by_id=self.directors.get(village.code),
            director_id=self.directors.get(village.code),
            responsible_teacher_id=self.responsible_teacher(school_id, class_name, concerns),
        )

    def responsible_teacher(
        self, school_id: int | None, class_name: str, concerns: list[str]
    ) -> int | None:
        """At the demo school the teacher has class 1 of every grade; the counsellor the
        other pupils whose concern is their state of mind or affection (心理失衡, 感情缺失)."""
        staff = self.staff
        if school_id is None or school_id != staff.teacher_school:
            return None
        if class_name == "1班":
            return staff.teacher
        if {Concern.PSYCHOLOGICAL, Concern.AFFECTION} & set(concerns):
            return staff.counsellor
        return None

    # - review -

    def review_story(self, child: Child, village: _Village, batch: Batch) -> None:
        """What happened to an entry that is not simply approved: registered and waiting,
        or approved once and changed since (with what changed, old → new), and a share of
        them returned by the township supervisor (or the county) with a comment. Every
        entry is submitted by its village's director, as the history records it."""
        story, staff = self.story, self.staff
        in_demo_village = village.code == staff.director_village
        if child.review_state == ReviewState.APPROVED:
            if not (in_demo_village and story.random() < RETURNED_IN_DEMO_VILLAGE):
                return
            returned = True
        else:
            returned = story.random() < RETURNED_SHARE
        reviewer = (
            staff.supervisor
            if village.township == staff.supervisor_township
            else staff.county_admin
        )
        submitter = child.created_by_id
        last = child.created_at
        recent = self.now - timedelta(days=21)
        if child.created_at < recent and story.random() < UPDATED_SHARE:
            approved_at = child.created_at + timedelta(days=1 + int(story.random() * 14))
            changed_at = recent + timedelta(minutes=int(story.random() * 20 * 24 * 60))
            last = min(self.now, max(approved_at + timedelta(days=1), changed_at))
            batch.events.append(
                (child, self.event(ChildChange.Kind.APPROVED, approved_at, reviewer))
            )
            for subject, changes in self.changes(child, story):
                batch.events.append(
                    (
                        child,
                        self.event(
                            ChildChange.Kind.UPDATED,
                            last,
                            submitter,
                            subject=subject,
                            changes=changes,
                        ),
                    )
                )
            child.reviewed_by_id, child.reviewed_at = reviewer, approved_at
        else:
            child.reviewed_by_id = child.reviewed_at = None
        child.review_state = ReviewState.PENDING
        if returned:
            at = min(self.now, last + timedelta(hours=2 + int(story.random() * 70)))
            comment = RETURN_COMMENTS[int(story.random() * len(RETURN_COMMENTS))]
            batch.events.append(
                (child, self.event(ChildChange.Kind.RETURNED, at, reviewer, comment=comment))
            )
            child.review_state = ReviewState.RETURNED
            child.review_comment = comment
            child.reviewed_by_id, child.reviewed_at = reviewer, at

    @staticmethod
    def event(
        kind: str,
        at: datetime,
        by: int | None,
        *,
        subject: str = "child",
        changes: list[dict[str, object]] | None = None,
        comment: str = "",
    ) -> dict[str, object]:
        return {
            "kind": kind,
            "at": at,
            "by_id": by,
            "subject": subject,
            "changes": changes or [],
            "comment": comment,
        }

    @staticmethod
    def changes(child: Child, story: random.Random) -> list[tuple[str, list[dict[str, object]]]]:
        """One or two plausible corrections that made the file what it is now: the old
        values are drawn, the new ones are the file's."""

        def change(
            field: str, old: object, new: object, old_display: str, new_display: str
        ) -> dict[str, object]:
            return {
                "field": field,
                "old": old,
                "new": new,
                "old_display": old_display,
                "new_display": new_display,
            }

        found: list[tuple[str, list[dict[str, object]]]] = []
        kinds = [t for t in GuardianshipType if t != child.guardianship_type]
        old_type = kinds[int(story.random() * len(kinds))]
        current = GuardianshipType(child.guardianship_type)
        found.append(
            (
                "child",
                [
                    change(
                        "guardianship_type",
                        old_type,
                        current,
                        str(old_type.label),
                        str(current.label),
                    )
                ],
            )
        )
        father = child.father
        if father is not None and father.away_for_work and story.random() < 0.6:
            _province, city = WORK_PLACES.pick(story)
            if city != father.work_city:
                found.append(
                    (
                        "father",
                        [change("work_city", city, father.work_city, city, father.work_city)],
                    )
                )
        elif child.entrustment_confirmed_on is not None:
            day = child.entrustment_confirmed_on.isoformat()
            found[0][1].append(change("entrustment_confirmed_on", None, day, "", day))
        return found

    def schooling(self, age: int) -> tuple[str, str]:
        """Schooling state and grade at this age; a few drop out of junior and senior school."""
        rng = self.rng
        if age <= 2:
            return Schooling.NOT_IN_KINDERGARTEN, ""
        if age <= 5:
            if self.chance(0.88):
                return Schooling.KINDERGARTEN, KINDERGARTEN_GRADES[age - 3]
            return Schooling.NOT_IN_KINDERGARTEN, ""
        if age <= 11:
            return Schooling.PRIMARY, f"{NUMERALS[age - 6]}年级"
        if age <= 14:
            if self.chance(0.015):
                return Schooling.DROPPED_OUT, ""
            return Schooling.JUNIOR, f"{NUMERALS[age - 6]}年级"
        roll = rng.random()
        year = age - 15
        if roll < 0.62:
            return Schooling.SENIOR, ("高一", "高二")[year]
        if roll < 0.92:
            return Schooling.VOCATIONAL, f"{NUMERALS[year]}年级"
        if roll < 0.98:
            return Schooling.DROPPED_OUT, ""
        return Schooling.NOT_IN_SCHOOL, ""


# --- writing ----------------------------------------------------------------------------------


def demo_children_count(root: Area) -> int:
    return Child.objects.filter(prefix_q("village_id", frozenset({root.prefix}))).count()


def _families(
    villages: Sequence[_Village], quotas: Sequence[int], rng: random.Random
) -> Iterator[tuple[_Village, int]]:
    """(village, number of children) per family: a quarter of families have two."""
    for village, quota in zip(villages, quotas, strict=True):
        while quota > 0:
            size = 2 if quota >= 2 and rng.random() < 0.25 else 1
            quota -= size
            yield village, size


def _batches(
    generator: _Generator, families: Iterator[tuple[_Village, int]], size: int
) -> Iterator[Batch]:
    batch = Batch()
    for village, children in families:
        generator.family(village, children, batch)
        if len(batch.children) >= size:
            yield batch
            batch = Batch()
    if batch.children:
        yield batch


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: the load makes millions of objects but no
    reference cycles, so the collector would only spend a tenth of the run scanning them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def demo_children_generate(
    *,
    root: Area,
    count: int,
    seed: int = DEFAULT_SEED,
    places: DemoPlaces | None = None,
    users: Sequence[User] = (),
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Make `count` demo children over the villages under `root`; returns how many were made.

    Idempotent by refusal: if any child already lives under `root`, nothing is made and 0 is
    returned. Children of the demo users' village (`places`) get the demo village director;
    pupils of one class per grade at the demo school, the demo teacher. `progress(done,
    count)` is called after each batch. One transaction: an interrupted run leaves nothing
    behind and can simply be run again (and on SQLite it is much faster than many).
    """
    if count <= 0:
        return 0
    if root.level not in (AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY):
        raise ValueError(f"area {root.code} is not a province, city or county")
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    connection = connections[router.db_for_write(Child)]
    with transaction.atomic(), _no_cycle_collection(), page_cache(connection, 64 * 1024):
        if demo_children_count(root):
            return 0
        villages = _villages(root)
        if not villages:
            raise ValueError(f"area {root.code} has no villages loaded")
        staff = _staff(places, users)
        generator = _Generator(
            rng=rng,
            today=timezone.localdate(),
            schools=_Schools(root),
            staff=staff,
            directors=_village_directors(villages, staff, seed),
            story=random.Random(seed + 2),  # noqa: S311 - demo data, not secrets
        )
        families = _families(villages, _quotas(villages, count, rng), rng)
        tables = Tables()
        done = 0
        for batch in _batches(generator, families, batch_size):
            tables.write(batch)
            done += len(batch.children)
            if progress:
                progress(done, count)
    return done
