"""The demo's children, as `load_demo` makes them over the real villages of 旺苍县."""

from collections import Counter
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from guanai.accounts.models import Role, User
from guanai.areas.models import Area, School
from guanai.children.choices import AT_SCHOOL, Assessment, GuardianshipType, Schooling
from guanai.children.idnumber import parse_id_number
from guanai.children.models import Child, ChildChange, Grandparent, Person
from guanai.children.rules import FAMILY_SLOTS, RULE_FIELDS, child_violations
from guanai.children.selectors import SUBMISSION_KINDS
from guanai.demo.children import demo_children_generate

COUNT = 2000
COUNTY = "510821"


def load_demo(**options: object) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **{"children": COUNT, **options})
    return out.getvalue()


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The county with its children, made once for the class and rolled back after it.

    The tests that use it only read; each still runs in a transaction of its own (db).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def share(counter: Counter, key: object) -> float:
    return 100 * counter[key] / sum(counter.values())


def roster() -> list[tuple[str, object, str, str]]:
    return list(
        Child.objects.order_by("pk").values_list("name", "birth_date", "village_id", "id_number")
    )


class TestTheDefaultCounty:
    """旺苍县 with 2 000 children."""

    def test_it_makes_exactly_the_children_asked_for_each_with_its_registration(self, db, demo):
        assert Child.objects.count() == COUNT
        assert ChildChange.objects.filter(kind=ChildChange.Kind.CREATED).count() == COUNT
        assert not Child.objects.exclude(village__code__startswith=COUNTY).exists()
        villages = Child.objects.values("village_id").distinct().count()
        assert villages > 200  # of 257: spread over the county, not piled into a few villages
        assert f"已生成 {COUNT} / {COUNT} 名儿童" in demo

    def test_every_id_number_is_valid_and_says_what_the_file_says(self, db, demo):
        children = list(Child.objects.exclude(id_number_index=""))
        assert 0.94 * COUNT < len(children) < COUNT
        for child in children:
            number = parse_id_number(child.id_number)
            assert number.birth_date == child.birth_date
            assert number.gender == child.gender
            assert number.area_code == child.village_id[:6]
        persons = list(Person.objects.exclude(id_number_index=""))
        assert persons
        for person in persons:
            number = parse_id_number(person.id_number)
            assert (number.birth_date, number.gender) == (person.birth_date, person.gender)
            assert number.area_code == COUNTY

    def test_no_id_number_is_held_twice(self, db, demo):
        indexes = [
            *Child.objects.exclude(id_number_index="").values_list("id_number_index", flat=True),
            *Person.objects.exclude(id_number_index="").values_list("id_number_index", flat=True),
        ]
        assert len(indexes) == len(set(indexes))

    def test_id_numbers_phones_and_addresses_are_stored_encrypted(self, db, demo):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, address FROM children_child")
            child_values = [value for row in cursor.fetchall() for value in row if value]
            cursor.execute("SELECT id_number, phone, address FROM children_person")
            person_values = [value for row in cursor.fetchall() for value in row if value]
        assert child_values
        assert person_values
        assert all(value.startswith("1$") for value in child_values + person_values)
        clear = set(Child.objects.exclude(id_number="").values_list("id_number", flat=True))
        assert clear
        assert not clear & set(child_values)

    def test_guardianship_ages_and_genders_follow_the_stated_proportions(self, db, demo):
        guardianship = Counter(Child.objects.values_list("guardianship_type", flat=True))
        assert abs(share(guardianship, GuardianshipType.GRANDPARENT) - 74) <= 4
        assert abs(share(guardianship, GuardianshipType.RELATIVE) - 25) <= 4
        assert share(guardianship, GuardianshipType.NONE) <= 2.5
        today = timezone.localdate()
        bands = Counter()
        for child in Child.objects.only("birth_date"):
            age = child.age_on(today)
            assert 0 <= age <= 16
            bands["0-5" if age <= 5 else "6-13" if age <= 13 else "14-16"] += 1
        assert abs(share(bands, "0-5") - 21.7) <= 4
        assert abs(share(bands, "6-13") - 67.4) <= 4
        assert abs(share(bands, "14-16") - 10.9) <= 4
        genders = Counter(Child.objects.values_list("gender", flat=True))
        assert abs(share(genders, "male") - 51.5) <= 4

    def test_siblings_share_their_parents_and_guardian(self, db, demo):
        families = Counter(Child.objects.values_list("father_id", "mother_id", "guardian_id"))
        pairs = sum(1 for n in families.values() if n == 2)
        assert 0.15 < pairs / len(families) < 0.35
        assert max(families.values()) == 2

    def test_the_2016_definition_and_the_broad_one_both_show(self, db, demo):
        flags = Counter(Child.objects.values_list("parents_away_2016", "parent_away"))
        assert share(flags, (True, True)) > 70  # both parents away, or one unable to guard
        assert 8 < share(flags, (False, True)) < 25  # one parent at home: broad definition only
        assert not flags[(True, False)]
        unable = Person.objects.filter(able_to_guard=False, away_for_work=False)
        assert Child.objects.filter(parents_away_2016=True, mother__in=unable).exists() or (
            Child.objects.filter(parents_away_2016=True, father__in=unable).exists()
        )

    def test_guardians_fit_the_guardianship(self, db, demo):
        unguarded = Child.objects.filter(guardianship_type=GuardianshipType.NONE)
        assert not unguarded.exclude(assessment=Assessment.NO_GUARDIAN, guardian=None).exists()
        grandparent_guarded = Child.objects.filter(guardianship_type=GuardianshipType.GRANDPARENT)
        for child in grandparent_guarded.select_related("guardian")[:200]:
            link = Grandparent.objects.get(child=child, person=child.guardian)
            assert link.relationship == child.guardian_relationship
        relatives = Child.objects.filter(guardianship_type=GuardianshipType.RELATIVE)
        assert not relatives.filter(guardian=None).exists()
        confirmed = relatives.exclude(entrustment_confirmed_on=None).count()
        assert confirmed > 0.8 * relatives.count()

    def test_every_child_keeps_the_rules_every_way_in_applies(self, db, demo):
        # Made in bulk, not through the services: held to the same rules all the same.
        broken: Counter = Counter()
        for child in Child.objects.select_related("father", "mother", "guardian"):
            values = {field: getattr(child, field) for field in RULE_FIELDS} | {
                "school": child.school_id
            }
            family = {
                role: None
                if person is None
                else {
                    "name": person.name,
                    "away_for_work": person.away_for_work,
                    "able_to_guard": person.able_to_guard,
                }
                for role in FAMILY_SLOTS
                for person in [getattr(child, role)]
            }
            broken.update(v.code for v in child_violations(values=values, family=family))
        assert broken == Counter()

    def test_schooling_fits_age_and_the_school_stands_in_the_county(self, db, demo):
        today = timezone.localdate()
        expected = {
            range(0, 3): {Schooling.NOT_IN_KINDERGARTEN},
            range(3, 6): {Schooling.KINDERGARTEN, Schooling.NOT_IN_KINDERGARTEN},
            range(6, 12): {Schooling.PRIMARY},
            range(12, 15): {Schooling.JUNIOR, Schooling.DROPPED_OUT},
            range(15, 17): {
                Schooling.SENIOR,
                Schooling.VOCATIONAL,
                Schooling.DROPPED_OUT,
                Schooling.NOT_IN_SCHOOL,
            },
        }
        for child in Child.objects.select_related("school"):
            age = child.age_on(today)
            allowed = next(states for ages, states in expected.items() if age in ages)
            assert child.schooling in allowed, (age, child.schooling)
            if child.schooling in AT_SCHOOL:
                assert child.school is not None
                assert child.school.area_id.startswith(COUNTY)
            else:
                assert child.school is None
        senior = Child.objects.filter(schooling=Schooling.SENIOR)
        assert senior.exists()
        assert not senior.exclude(school__stage="senior").exists()

    def test_the_demo_village_director_and_teacher_have_children(self, db, demo):
        director = User.objects.get(username="village_director")
        village = director.memberships.get().area
        in_village = Child.objects.filter(village=village)
        assert in_village.exists()
        assert not in_village.exclude(director=director).exists()
        assert not Child.objects.exclude(village=village).filter(director=director).exists()
        submitted = ChildChange.objects.filter(child__village=village, kind__in=SUBMISSION_KINDS)
        assert submitted.exists()
        assert not submitted.exclude(by=director).exists()
        for username in ("teacher", "counsellor"):
            teacher = User.objects.get(username=username)
            pupils = Child.objects.filter(responsible_teacher=teacher)
            assert pupils.exists(), username
            assert not pupils.exclude(school=teacher.memberships.get().school).exists()

    def test_every_file_was_submitted_by_its_own_village_director(self, db, demo):
        """填报人: every village has a child director, who registered its children."""
        assert not Child.objects.filter(created_by=None).exists()
        mismatched = Child.objects.exclude(
            created_by__memberships_incl_revoked__role__code="village_director",
            created_by__memberships_incl_revoked__area=F("village"),
        )
        assert not mismatched.exists()
        created = ChildChange.objects.filter(kind=ChildChange.Kind.CREATED)
        assert created.count() == COUNT
        assert not created.exclude(by=F("child__created_by")).exists()
        # The directors of the other villages cannot log in.
        other = Child.objects.exclude(village_id="510821100203").first()
        assert other is not None
        assert not other.created_by.has_usable_password()
        assert other.created_by.username == f"director_{other.village_id}"

    def test_entries_waiting_show_what_changed_and_some_were_returned_with_a_comment(
        self, db, demo
    ):
        waiting = Child.objects.exclude(review_state="approved")
        states = Counter(waiting.values_list("review_state", flat=True))
        assert states["pending"] > states["returned"] > 0
        updated = ChildChange.objects.filter(kind=ChildChange.Kind.UPDATED)
        assert updated.exists()
        assert set(updated.values_list("child__review_state", flat=True)) <= {
            "pending",
            "returned",
        }
        for change in updated[:50]:
            for entry in change.entries:
                assert entry["old_display"] != entry["new_display"]
                assert entry["label"] != entry["field"]  # a field the file knows
            assert change.by == change.child.created_by
        returned = Child.objects.filter(review_state="returned")
        for child in returned:
            decision = child.changes.filter(kind=ChildChange.Kind.RETURNED).get()
            assert decision.comment == child.review_comment != ""
            assert decision.by == child.reviewed_by is not None
            latest = child.changes.order_by("-at").first()
            assert latest == decision

    def test_every_family_member_is_grown_up(self, db, demo):
        adult = timezone.localdate().replace(year=timezone.localdate().year - 16)
        assert not Person.objects.filter(birth_date__gt=adult).exists()

    def test_the_county_exported_in_full_imports_back_unchanged_without_a_fault(self, db, demo):
        from io import BytesIO

        from guanai.roster.exporting import roster_rows, write_xlsx
        from guanai.roster.importing import import_plan

        out = BytesIO()
        write_xlsx(roster_rows(Child.objects.order_by("pk"), full=True), out, title="花名册")
        report = import_plan(user=User.objects.get(username="county_admin"), data=out.getvalue())
        assert [(e.row, e.column, e.message) for e in report.errors] == []
        assert report.counts["unchanged"] == COUNT

    def test_the_county_exported_masked_imports_back_unchanged_without_a_fault(self, db, demo):
        from io import BytesIO

        from guanai.roster.exporting import roster_rows, roster_title, write_xlsx
        from guanai.roster.importing import import_plan

        out = BytesIO()
        children = Child.objects.order_by("pk")
        write_xlsx(roster_rows(children, full=False), out, title=roster_title(full=False))
        report = import_plan(user=User.objects.get(username="county_admin"), data=out.getvalue())
        assert [(e.row, e.column, e.message) for e in report.errors] == []
        assert report.counts["unchanged"] == COUNT

    def test_most_files_are_approved_and_a_few_exited(self, db, demo):
        states = Counter(Child.objects.values_list("review_state", flat=True))
        assert 94 < share(states, "approved") < 99.5
        exited = Child.objects.filter(status="exited")
        assert 0 < exited.count() < 0.05 * COUNT
        assert not exited.filter(exited_on=None).exists()
        assert not exited.filter(exit_reason="").exists()

    def test_records_made_after_the_load_get_fresh_keys(self, db, demo):
        last_person = Person.objects.order_by("-pk").first()
        last_child = Child.objects.order_by("-pk").first()
        person = Person.objects.create(name="新登记")
        child = Child.objects.create(
            name="新登记",
            gender="female",
            birth_date=last_child.birth_date,
            village_id=last_child.village_id,
            schooling=Schooling.PRIMARY,
            guardianship_type=GuardianshipType.GRANDPARENT,
            assessment=Assessment.GOOD,
            father=person,
        )
        assert person.pk > last_person.pk
        assert child.pk > last_child.pk
        change = ChildChange.objects.create(child=child, kind=ChildChange.Kind.CREATED)
        assert change.pk > ChildChange.objects.exclude(pk=change.pk).order_by("-pk")[0].pk

    def test_loading_again_adds_no_children(self, db, demo):
        counts = (Child.objects.count(), Person.objects.count(), School.objects.count())
        out = load_demo()
        assert (Child.objects.count(), Person.objects.count(), School.objects.count()) == counts
        assert f"已有 {COUNT} 名儿童，跳过生成" in out


def test_the_same_seed_makes_the_same_children_and_another_seed_others(db):
    load_demo(children=300, seed=7)
    first = roster()
    Child.objects.all().delete()
    Person.objects.all().delete()
    root = Area.objects.get(code=COUNTY.ljust(12, "0"))
    demo_children_generate(root=root, count=300, seed=7)
    again = roster()
    assert [row[:3] for row in again] == [row[:3] for row in first]
    assert [row[3] for row in again] == [row[3] for row in first]
    Child.objects.all().delete()
    demo_children_generate(root=root, count=300, seed=8)
    assert [row[:3] for row in roster()] != [row[:3] for row in first]


def test_family_members_kept_from_earlier_children_do_not_clash(db):
    load_demo(children=300)
    Child.objects.all().delete()
    root = Area.objects.get(code=COUNTY.ljust(12, "0"))
    assert demo_children_generate(root=root, count=300, seed=2016) == 300
    indexes = list(Person.objects.exclude(id_number_index="").values_list("id_number_index"))
    assert len(indexes) == len(set(indexes))


def test_no_children_asked_for_gives_the_users_and_no_children(db):
    load_demo(children=0)
    assert not Child.objects.exists()
    assert set(User.objects.values_list("username", flat=True)) >= set(
        Role.objects.values_list("code", flat=True)
    )


def test_a_city_spreads_its_children_over_its_counties_and_binds_users_to_the_first(db):
    out = load_demo(county="5108", children=400)
    counties = {code[:6] for code in Child.objects.values_list("village_id", flat=True)}
    assert len(counties) >= 5  # 广元市 has 7 counties and districts
    for child in Child.objects.exclude(id_number_index=""):
        assert parse_id_number(child.id_number).area_code == child.village_id[:6]
    county_admin = User.objects.get(username="county_admin").memberships.get()
    assert county_admin.area.level == "county"
    assert county_admin.area.code.startswith("5108")
    assert "广元市" in out
