"""Family members (Person) live only as long as a child refers to them, and a family
member held for children out of a user's reach is never theirs to attach or rename."""

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps

from conftest import make_child, make_id_number, make_user
from guanai.children.family import GrandparentInput
from guanai.children.idnumber import id_index
from guanai.children.models import Child, Grandparent, Person
from guanai.children.services import child_create, child_exit, child_update
from guanai.children.tests.test_services import child_data
from guanai.core.errors import ApplicationError

NEUTRAL = "该身份证号码需由县民政局核实"  # errors.identity_conflict_message()
REGISTERED = datetime(2020, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def numbered(person: Person, number: str) -> Person:
    person.id_number, person.id_number_index = number, id_index(number)
    person.save()
    return person


def other_county_admin(places):
    return make_user("qingchuan_admin", role="county_admin", area=places.other_county)


def registered_in_qingchuan(places, father: dict, *, sequence: int) -> Child:
    """A child 青川县 registers, with this father."""
    return child_create(
        user=other_county_admin(places),
        data=child_data(
            places,
            village=places.other_county_village,
            school=None,
            schooling="not_in_school",
            id_number=make_id_number("510822", sequence=sequence),
        ),
        family={"father": father},
    )


# --- left without a child: deleted at once --------------------------------------------------


def test_a_replaced_father_no_other_child_needs_is_deleted(places, cast):
    child = make_child(places.village)
    old = numbered(child.father, make_id_number("510821", date(1985, 1, 1), 81))
    new_number = make_id_number("510821", date(1986, 2, 2), 82)

    child_update(
        user=cast["county_admin"],
        child_id=child.pk,
        data={},
        family={"father": {"name": "张新父", "id_number": new_number}},
    )

    child.refresh_from_db()
    assert child.father.name == "张新父"
    assert not Person.objects.filter(pk=old.pk).exists()


def test_a_removed_guardian_no_other_child_needs_is_deleted(places, cast):
    child = make_child(places.village)
    guardian = child.guardian

    child_update(
        user=cast["county_admin"],
        child_id=child.pk,
        data={"guardianship_type": "none"},
        family={"guardian": None},
    )

    child.refresh_from_db()
    assert child.guardian is None
    assert not Person.objects.filter(pk=guardian.pk).exists()


def test_a_replaced_parent_a_sibling_still_has_stays(places, cast):
    child = make_child(places.village)
    sibling = make_child(places.village, name="张小红")
    Child.objects.filter(pk=sibling.pk).update(father=child.father)
    father = numbered(child.father, make_id_number("510821", date(1985, 1, 1), 83))

    child_update(
        user=cast["county_admin"],
        child_id=child.pk,
        data={},
        family={"father": {"name": "张新父", "id_number": make_id_number(sequence=84)}},
    )

    father.refresh_from_db()
    assert father.phone == "13800001111"
    assert Child.objects.get(pk=sibling.pk).father_id == father.pk


def test_a_removed_or_replaced_grandparent_no_other_child_needs_is_deleted(places, cast):
    child = make_child(places.village)
    grandfather = Person.objects.create(name="张爷爷", phone="13600005555")
    grandmother = Person.objects.create(name="张奶奶", phone="13600006666")
    Grandparent.objects.create(child=child, person=grandfather, relationship="grandfather")
    Grandparent.objects.create(child=child, person=grandmother, relationship="grandmother")
    numbered(grandmother, make_id_number("510821", date(1955, 5, 5), 85))

    child_update(
        user=cast["county_admin"],
        child_id=child.pk,
        data={},
        grandparents=[
            GrandparentInput(
                "grandmother",
                {"name": "外婆", "id_number": make_id_number("510821", date(1956, 6, 6), 86)},
            )
        ],
    )

    assert [link.person.name for link in child.grandparent_links.all()] == ["外婆"]
    assert not Person.objects.filter(pk__in=[grandfather.pk, grandmother.pk]).exists()


def test_a_person_both_guardian_and_grandmother_stays_while_either_link_holds(places, cast):
    child = make_child(places.village)
    grandmother = child.guardian
    Grandparent.objects.create(child=child, person=grandmother, relationship="grandmother")

    # No guardian any more: the grandparents' guardianship goes with them (children.rules).
    child_update(
        user=cast["county_admin"],
        child_id=child.pk,
        data={"guardianship_type": "none"},
        family={"guardian": None},
    )

    assert Person.objects.filter(pk=grandmother.pk).exists()
    child_update(user=cast["county_admin"], child_id=child.pk, data={}, grandparents=[])
    assert not Person.objects.filter(pk=grandmother.pk).exists()


def test_a_new_person_in_two_places_of_one_entry_is_one_record(places, cast):
    child = make_child(places.village)
    number = make_id_number("510821", date(1956, 6, 6), 87)
    grandmother = {"name": "王奶奶", "id_number": number, "phone": "13600007777"}

    child_update(
        user=cast["county_admin"],
        child_id=child.pk,
        data={},
        family={"guardian": grandmother},
        grandparents=[GrandparentInput("maternal_grandmother", grandmother)],
    )

    child.refresh_from_db()
    assert child.grandparent_links.get().person_id == child.guardian_id
    assert child.guardian.id_number == number


def test_an_exited_child_keeps_its_family_and_out_of_other_reach(places, cast):
    # Leaving the roster keeps the file whole (it may be restored), family included; the
    # family is still the county's, not anyone else's to attach.
    child = make_child(places.village, created_at=REGISTERED)
    father = numbered(child.father, make_id_number("510821", date(1985, 1, 1), 88))
    child_exit(user=cast["county_admin"], child_id=child.pk, reason="moved", on=date(2024, 9, 1))
    assert Person.objects.filter(pk=father.pk).exists()

    claim = {"name": "冒名", "id_number": father.id_number, "phone": "13000000000"}
    with pytest.raises(ApplicationError, match=NEUTRAL):
        registered_in_qingchuan(places, claim, sequence=98)
    father.refresh_from_db()
    assert (father.name, father.phone) == ("张父", "13800001111")


# --- never claimed from elsewhere -------------------------------------------------------------


def test_a_father_replaced_in_one_county_cannot_be_claimed_in_another(places, cast):
    child = make_child(places.village)
    number = make_id_number("510821", date(1985, 1, 1), 89)
    father = numbered(child.father, number)
    child_update(
        user=cast["county_admin"],
        child_id=child.pk,
        data={},
        family={"father": {"name": "张新父", "id_number": make_id_number(sequence=90)}},
    )

    # 青川县 types the old father's ID number: a new record, nothing of the old one.
    theirs = registered_in_qingchuan(places, {"name": "赵某", "id_number": number}, sequence=91)

    theirs.refresh_from_db()
    assert theirs.father_id != father.pk
    assert (theirs.father.name, theirs.father.phone) == ("赵某", "")
    assert not Person.objects.filter(pk=father.pk).exists()


@pytest.mark.parametrize("who", ["other_county_admin", "county_admin", "system_admin"])
def test_a_family_member_of_no_child_is_nobody_s_to_attach(who, places, cast):
    # One left over from before orphans were deleted at once: nobody can claim it by ID
    # number, not even the county it came from (it no longer knows whose it was).
    number = make_id_number("510821", date(1985, 1, 1), 92)
    orphan = numbered(Person.objects.create(name="张父", phone="13800001111"), number)
    user = other_county_admin(places) if who == "other_county_admin" else cast[who]
    village = places.other_county_village if who == "other_county_admin" else places.village

    with pytest.raises(ApplicationError, match=NEUTRAL):
        child_create(
            user=user,
            data=child_data(places, village=village, school=None, schooling="not_in_school"),
            family={"father": {"name": "冒名", "id_number": number, "phone": "13000000000"}},
        )

    orphan.refresh_from_db()
    assert (orphan.name, orphan.phone) == ("张父", "13800001111")
    assert not Child.objects.exists()


def test_a_family_member_of_no_child_cannot_be_attached_to_a_held_child(places, cast):
    child = make_child(places.village)
    number = make_id_number("510821", date(1985, 1, 1), 93)
    numbered(Person.objects.create(name="张父", phone="13800001111"), number)

    with pytest.raises(ApplicationError, match=NEUTRAL):
        child_update(
            user=cast["county_admin"],
            child_id=child.pk,
            data={},
            grandparents=[GrandparentInput("grandfather", {"name": "冒名", "id_number": number})],
        )
    assert not child.grandparent_links.exists()


# --- orphans already there --------------------------------------------------------------------


def test_the_migration_deletes_the_family_members_no_child_refers_to(places, cast):
    child = make_child(places.village)
    Grandparent.objects.create(
        child=child, person=Person.objects.create(name="张爷爷"), relationship="grandfather"
    )
    orphans = [Person.objects.create(name="孤立一").pk, Person.objects.create(name="孤立二").pk]
    kept = {child.father_id, child.mother_id, child.guardian_id}
    migration = importlib.import_module("guanai.children.migrations.0008_delete_orphaned_persons")

    migration.delete_orphaned_persons(apps, None)

    assert not Person.objects.filter(pk__in=orphans).exists()
    assert kept < set(Person.objects.values_list("pk", flat=True))
    assert Person.objects.count() == 4


# --- undoing an import that replaced one ------------------------------------------------------


def imported_father(places, cast, number: str) -> tuple[Child, int]:
    """A child whose father (with this ID number) an import batch replaced; the batch id."""
    from guanai.children.history import recording_batch
    from guanai.roster.models import ImportBatch

    child = make_child(places.village)
    numbered(child.father, number)
    batch = ImportBatch.objects.create(
        user=cast["village_director"], file_name="花名册.xlsx", file_sha256="0" * 64
    )
    with recording_batch(batch.pk):
        child_update(
            user=cast["village_director"],
            child_id=child.pk,
            data={},
            family={"father": {"name": "张新父", "id_number": make_id_number(sequence=94)}},
        )
    return child, batch.pk


def test_undoing_the_import_brings_the_replaced_father_back(places, cast):
    from guanai.children.undo import batch_changes_undo

    number = make_id_number("510821", date(1985, 1, 1), 95)
    child, batch_id = imported_father(places, cast, number)
    assert not Person.objects.filter(id_number_index=id_index(number)).exists()

    result = batch_changes_undo(user=cast["village_director"], batch_id=batch_id, comment="撤销")

    assert result.reverted == 1
    child.refresh_from_db()
    assert (child.father.name, child.father.id_number, child.father.phone) == (
        "张父",
        number,
        "13800001111",
    )
    assert not Person.objects.filter(name="张新父").exists()


def test_undoing_does_not_attach_the_number_s_new_holder_out_of_reach(places, cast):
    from guanai.children.undo import batch_changes_undo

    number = make_id_number("510821", date(1985, 1, 1), 96)
    child, batch_id = imported_father(places, cast, number)
    # Meanwhile 青川县 registers a child whose father has that number: their record now.
    theirs = registered_in_qingchuan(
        places, {"name": "赵某", "id_number": number, "phone": "13100009999"}, sequence=97
    )

    result = batch_changes_undo(user=cast["village_director"], batch_id=batch_id, comment="撤销")

    assert (result.reverted, result.out_of_reach) == (0, 1)
    child.refresh_from_db()
    assert child.father.name == "张新父"
    theirs.refresh_from_db()
    assert Child.objects.filter(father=theirs.father).count() == 1
    assert (theirs.father.name, theirs.father.phone) == ("赵某", "13100009999")
