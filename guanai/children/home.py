"""What the home page (工作台) shows of children: what the user has, and what to do next.

Each figure opens the list it counts (the same filter, so the list says the same number),
and says which definition it uses. Roles differ in what they have: an area's roles the
approved records of their area; a teacher or counsellor the pupils assigned to them; a
volunteer (a helper's login) the children paired with them, and whom to turn to.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanai.accounts.models import User
from guanai.accounts.scope import ChildAccess, scope_for
from guanai.accounts.selectors import village_directors_for
from guanai.children.choices import ReviewState
from guanai.children.selectors import (
    assigned_only_schools,
    child_counts,
    children_assigned_counts,
    children_returned_to,
    children_visible_to,
    incomplete_counts,
    review_queue,
)

# Shown with the returned records on the home page: the rest are a click away.
RETURNED_SHOWN = 20


@dataclass(frozen=True)
class Figure:
    key: str
    value: int
    label: str
    note: str = ""
    url: str = ""


def _list_url(**params: str) -> str:
    url = reverse("children:child_list")
    return f"{url}?{urlencode(params)}" if params else url


def _definitions(counts: dict[str, int]) -> list[tuple[str, str]]:
    """What each left-behind figure counts, said plainly under the figures; and why the
    broad one may equal the total (the roster holds left-behind children: under the broad
    definition, all of them)."""
    broad = _("未满18周岁，父母至少一方外出务工；包括2016年定义的留守儿童。")
    if counts["total"] and counts["left_behind_broad"] == counts["total"]:
        broad += _("在册儿童都至少有一方父母外出，所以这一数字与在册人数相同。")
    return [
        (
            _("留守儿童（2016年定义）"),
            _(
                "国发〔2016〕13号：未满16周岁、农业户籍，父母均外出务工，或一方外出、另一方无监护能力。"
            ),
        ),
        (_("留守学生（学校口径）"), broad),
    ]


def _figures(
    counts: dict[str, int], *, approved: bool, linked: bool, total_label: str
) -> list[Figure]:
    state = {"review_state": ReviewState.APPROVED.value} if approved else {}

    def url(**params: str) -> str:
        return _list_url(**params, **state) if linked else ""

    return [
        Figure("total", counts["total"], total_label, url=url()),
        Figure(
            "left_behind_2016",
            counts["left_behind_2016"],
            _("留守儿童（2016年定义）"),
            url=url(definition="2016"),
        ),
        Figure(
            "left_behind_broad",
            counts["left_behind_broad"],
            _("留守学生（学校口径）"),
            url=url(definition="broad"),
        ),
    ]


def _attention(counts: dict[str, int], *, linked: bool) -> list[Figure]:
    def url(**params: str) -> str:
        return _list_url(**params) if linked else ""

    note = _("含待审核的档案")
    return [
        Figure(
            "no_guardian",
            counts["no_guardian"],
            _("无人监护"),
            note,
            url(guardianship_type="none"),
        ),
        Figure("high_risk", counts["high_risk"], _("高风险"), note, url(risk_level="high")),
    ]


def _counted(
    counts: dict[str, int], *, approved: bool, linked: bool, total_label: str, title: str
) -> dict[str, Any]:
    """The figures under their title, what they count, and those needing attention."""
    return {
        "figures": _figures(counts, approved=approved, linked=linked, total_label=total_label),
        "definitions": _definitions(counts),
        "attention": _attention(counts, linked=linked),
        "figures_title": title,
    }


def children_home(user: User, *, on: date) -> dict[str, Any]:
    """The home page's part about children, for this user's roles."""
    scope = scope_for(user)
    access = scope.child_access()
    can_view = ChildAccess.VIEW in access
    context: dict[str, Any] = {
        "can_review": ChildAccess.REVIEW in access,
        "can_edit": ChildAccess.EDIT in access,
        "child_counts": None,
        "figures": [],
        "attention": [],
        "next_steps": [],
        "figures_title": "",
        "definitions": [],
        "anonymised": 0,
        "assigned_schools": None,
        "returned": [],
        "returned_more": 0,
        "directors": None,
        # 待补充: the files the user's registering roles have to complete (selectors).
        "incomplete": incomplete_counts(user, on=on),
    }
    steps: list[Figure] = context["next_steps"]
    if ChildAccess.COUNT in access:
        counts = child_counts(user, on=on)
        context["child_counts"] = counts
        context |= _counted(
            counts,
            approved=True,
            linked=can_view,
            total_label=_("在册儿童"),
            title=_("在册儿童（已审核）"),
        )
        if counts["anonymised"]:
            context["anonymised"] = counts["anonymised"]
    elif can_view:
        counts = children_assigned_counts(user, on=on)
        schools = assigned_only_schools(user)
        context["assigned_schools"] = schools
        mine = _("我负责的学生")
        context |= _counted(counts, approved=False, linked=True, total_label=mine, title=mine)
        if counts["total"]:
            steps.append(
                Figure(
                    "my_students",
                    counts["total"],
                    ngettext(
                        "查看您负责的 %(count)s 名学生，联系监护人",
                        "查看您负责的 %(count)s 名学生，联系监护人",
                        counts["total"],
                    )
                    % {"count": counts["total"]},
                    url=_list_url(),
                )
            )
            if counts["high_risk"]:
                steps.append(
                    Figure(
                        "my_high_risk",
                        counts["high_risk"],
                        ngettext(
                            "%(count)s 名高风险学生，请优先关注",
                            "%(count)s 名高风险学生，请优先关注",
                            counts["high_risk"],
                        )
                        % {"count": counts["high_risk"]},
                        url=_list_url(risk_level="high"),
                    )
                )
    if (
        can_view
        and context["child_counts"] is not None
        and not {ChildAccess.EDIT, ChildAccess.REVIEW} & access
        and context["child_counts"]["no_guardian"]
    ):
        # Those who look after children without keeping their files (the league, the
        # education bureau): the children nobody guards come first.
        unguarded = context["child_counts"]["no_guardian"]
        steps.append(
            Figure(
                "unguarded",
                unguarded,
                ngettext(
                    "%(count)s 名儿童无人监护，请优先安排关爱",
                    "%(count)s 名儿童无人监护，请优先安排关爱",
                    unguarded,
                )
                % {"count": unguarded},
                url=_list_url(guardianship_type="none"),
            )
        )
    if ChildAccess.REVIEW in access:
        waiting = review_queue(user).count()
        pending = Figure(
            "pending",
            waiting,
            _("待审核"),
            _("等待您审核"),
            reverse("children:review_list"),
        )
        if waiting:
            steps.append(
                Figure(
                    "review",
                    waiting,
                    ngettext("%(count)s 份档案等待您审核", "%(count)s 份档案等待您审核", waiting)
                    % {"count": waiting},
                    url=reverse("children:review_list"),
                )
            )
    elif can_view:
        waiting = children_visible_to(user).filter(review_state=ReviewState.PENDING).count()
        pending = Figure(
            "pending",
            waiting,
            _("待审核"),
            _("已提交，等待审核"),
            _list_url(review_state=ReviewState.PENDING.value, status="all"),
        )
    elif context["child_counts"] is not None:
        pending = Figure(
            "pending", context["child_counts"]["pending"], _("待审核"), _("审核通过后计入统计")
        )
    else:
        pending = None
    if pending is not None and context["child_counts"] is not None:
        context["figures"].append(pending)
    if ChildAccess.EDIT in access:
        returned = children_returned_to(user)
        context["returned"] = list(returned[:RETURNED_SHOWN])
        context["returned_more"] = (
            returned.count() - RETURNED_SHOWN if len(context["returned"]) == RETURNED_SHOWN else 0
        )
        if not context["can_review"] and pending is not None and pending.value:
            steps.append(
                Figure(
                    "submitted",
                    pending.value,
                    ngettext(
                        "%(count)s 份档案已提交，等待审核",
                        "%(count)s 份档案已提交，等待审核",
                        pending.value,
                    )
                    % {"count": pending.value},
                    url=pending.url,
                )
            )
    if not access - {ChildAccess.PAIRED}:
        context["directors"] = list(village_directors_for(user)[:5])
        context["paired"] = children_visible_to(user, access=ChildAccess.PAIRED).count()
        context["volunteer_places"] = [m.place for m in scope.memberships if m.place is not None]
    return context
