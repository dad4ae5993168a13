"""What a child's file derives from what was entered, never typed in."""

from guanai.children.completeness import child_missing_fields
from guanai.children.idnumber import id_index
from guanai.children.models import Child
from guanai.children.names import name_initials, name_pinyin


def child_derive(child: Child, *, parents_work: bool | None = None) -> None:
    """Set the facts that decide whether the child counts as left behind, and what the
    file still lacks (待补充, children.completeness; `parents_work`: whether the entry
    being saved states the parents' work, None to keep what the file said).

    2016 (国发〔2016〕13号): both parents away, or one away and the other unable to
    guard. A parent who is not recorded (deceased, unknown) cannot guard either.
    Broad (school) definition: at least one parent away.

    While the parents' work is unknown (待补充) both read False, even where one parent is
    known to be away: the child is in neither count and is counted apart, as undetermined
    (selectors.incomplete_counts), until the file says. Unknown is neither "at home" nor a
    guess at "away"; and a parent missing from a roster that had no column for them is
    not the "not recorded" above.
    """
    child.missing_fields = child_missing_fields(child, parents_work=parents_work)
    father, mother = child.father, child.mother
    father_away = bool(father and father.away_for_work)
    mother_away = bool(mother and mother.away_for_work)
    father_unable = father is None or not father.able_to_guard
    mother_unable = mother is None or not mother.able_to_guard
    known = not child.parents_work_unknown
    child.parent_away = known and (father_away or mother_away)
    child.parents_away_2016 = known and (
        (father_away and (mother_away or mother_unable)) or (mother_away and father_unable)
    )
    child.name_initials = name_initials(child.name)
    child.name_pinyin = name_pinyin(child.name)
    child.id_number_index = id_index(child.id_number)
