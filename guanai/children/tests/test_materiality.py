"""The same change gets the same review state whichever way it comes: through the child's
form or a roster import, a material change sends an approved file back to 待审核 and a
change that is not material leaves it approved (guanai/children/materiality.py)."""

import html.parser
from datetime import date

import pytest
from django.urls import reverse

from conftest import make_child, make_id_number
from guanai.children.choices import ReviewState
from guanai.children.materiality import is_material
from guanai.children.models import Child
from guanai.roster.importing import import_roster


class _FormValues(html.parser.HTMLParser):
    """What a browser sends for the page's POST form as it stands: text inputs' values,
    ticked boxes, each select's chosen (or first) option and textareas' text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str]] = []
        self._in_post_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._in_post_form = (a.get("method") or "").lower() == "post"
        if not self._in_post_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            box = a.get("type") in ("checkbox", "radio")
            if box and "checked" not in a:
                return
            self.values.append((name, a.get("value") or ("on" if box else "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.append((name, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.values.pop()
            self.values.append((name, text + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_post_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            for value in chosen or [value for value, _s in self._options[:1]]:
                self.values.append((self._select, value))
            self._select = None


def edit_form(client, child: Child) -> dict[str, list[str]]:
    page = client.get(reverse("children:child_edit", args=[child.pk]))
    assert page.status_code == 200
    parser = _FormValues()
    parser.feed(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return data


HEADER = (
    "姓名,身份证号码,村,就学状况,就读学校,监护类型,监护情况评估,班级,"
    "父亲姓名,父亲务工地点,委托监护人姓名,委托监护人联系电话"
)


def approved_child(places, name: str, sequence: int) -> Child:
    child = make_child(
        places.village,
        name=name,
        school=places.school,
        id_number=make_id_number(birth=date(2015, 3, 5), sequence=sequence),
        class_name="2班",
        review_state=ReviewState.APPROVED,
    )
    child.father.work_province, child.father.work_city = "广东省", "深圳市"
    child.father.save()
    return child


def row_of(child: Child, **changed: str) -> str:
    values = {
        "class_name": "2班",
        "guardianship_type": "隔代监护",
        "guardian_phone": "13700003333",
        **changed,
    }
    return (
        f"{child.name},{child.id_number},长滩村,小学,东河小学,{values['guardianship_type']},"
        f"一般,{values['class_name']},{child.name[0]}父,广东省深圳市,"
        f"{child.name[0]}奶奶,{values['guardian_phone']}"
    )


@pytest.mark.parametrize(
    ("form_field", "form_value", "roster_change", "state"),
    [
        ("class_name", "5班", {"class_name": "5班"}, ReviewState.APPROVED),
        ("guardian-phone", "13700009999", {"guardian_phone": "13700009999"}, ReviewState.APPROVED),
        ("guardianship_type", "relative", {"guardianship_type": "寄养监护"}, ReviewState.PENDING),
    ],
    ids=["class", "guardian-phone", "guardianship-type"],
)
def test_a_change_gets_the_same_review_state_through_the_form_and_an_import(
    places, cast, client_for, form_field, form_value, roster_change, state
):
    director = cast["village_director"]
    by_form = approved_child(places, "赵一", 301)
    by_import = approved_child(places, "赵二", 303)
    # The form as the page shows it, with one field changed.
    client = client_for(director)
    data = edit_form(client, by_form)
    data[form_field] = [form_value]
    response = client.post(reverse("children:child_edit", args=[by_form.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    # The same change in a roster.
    roster = "\r\n".join([HEADER, row_of(by_import, **roster_change)]) + "\r\n"
    report = import_roster(user=director, data=roster.encode(), write=True)
    assert report.counts["update"] == 1, report.errors

    by_form.refresh_from_db()
    by_import.refresh_from_db()
    assert by_form.review_state == by_import.review_state == state
    for child in (by_form, by_import):
        (entry,) = child.changes.filter(kind="updated")
        assert [c["field"] for c in entry.changes] == [form_field.removeprefix("guardian-")]


def test_the_rule_names_what_is_material_for_the_child_and_the_family():
    assert not is_material("child", [{"field": "class_name"}, {"field": "grade"}])
    assert is_material("child", [{"field": "class_name"}, {"field": "village"}])
    assert not is_material("father", [{"field": "phone"}, {"field": "work_province"}])
    assert is_material("father", [{"field": "away_for_work"}])
    assert is_material("guardian", [{"field": "name"}])
    assert is_material("grandparent", [{"field": "grandmother"}])
