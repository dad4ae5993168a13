"""When each exit was recorded (retention waits from it), and the facts of past exits kept
where anonymisation keeps them: in the history entry's changes, not only in its comment."""

import re

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

# The exit reasons' labels as the comment of an exit's history entry began with them.
REASONS = {
    "超过年龄": "aged_out",
    "父母返乡": "parent_returned",
    "随父母外出": "with_parents",
    "迁出或转学": "moved",
    "死亡": "deceased",
    "重复登记": "duplicate",
    "其他": "other",
}
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def record_exits(apps, schema_editor):
    Child = apps.get_model("children", "Child")
    ChildChange = apps.get_model("children", "ChildChange")
    # An exit was recorded when its latest history entry says; one without an entry (a
    # file loaded whole) counts as recorded now, so it waits like a new one.
    latest = (
        ChildChange.objects.filter(child=OuterRef("pk"), kind="exited")
        .order_by("-at")
        .values("at")[:1]
    )
    Child.objects.filter(status="exited").update(
        exit_recorded_at=Coalesce(
            Subquery(latest), Value(timezone.now(), output_field=models.DateTimeField())
        )
    )
    entries = []
    for entry in ChildChange.objects.filter(kind="exited").iterator():
        if entry.changes:
            continue
        # "<reason> <date> <note>": the date is the first one in it.
        label = entry.comment.partition(" ")[0]
        found = _DATE.search(entry.comment)
        if found is None:
            continue
        entry.changes = [
            {"field": "exited_on", "old": None, "new": found[1], "new_display": found[1]}
        ]
        if label in REASONS:
            entry.changes.append(
                {"field": "exit_reason", "old": "", "new": REASONS[label], "new_display": label}
            )
        entries.append(entry)
    ChildChange.objects.bulk_update(entries, ["changes"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0006_history_id_masks_hide_the_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="exit_recorded_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="移出登记时间"
            ),
        ),
        migrations.RunPython(record_exits, migrations.RunPython.noop),
    ]
