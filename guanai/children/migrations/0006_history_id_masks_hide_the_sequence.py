"""ID numbers in the change history were shown as 510821********1234: with the birth date
on the same page, the whole number. Their stored displays keep the area code only now, as
guanai.core.crypto.mask_id_number does (the values themselves are stored encrypted beside
them, unchanged)."""

import re

from django.db import migrations

# The mask this replaces: area code, eight stars, sequence and check character.
_OLD_MASK = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", re.ASCII)
_DISPLAYS = ("old_display", "new_display")


def _remasked(change: dict) -> bool:
    """Re-mask the entry's displays in place; did any change?"""
    if change.get("field") != "id_number" or not change.get("secret"):
        return False
    changed = False
    for key in _DISPLAYS:
        value = change.get(key)
        if isinstance(value, str) and _OLD_MASK.fullmatch(value):
            change[key] = value[:6] + "*" * 12
            changed = True
    return changed


def remask_history(apps, schema_editor):
    ChildChange = apps.get_model("children", "ChildChange")
    # Only entries holding eight stars in a row can hold the old mask.
    entries = ChildChange.objects.filter(changes__icontains="*" * 8).only("changes")
    batch = []
    for entry in entries.iterator(chunk_size=2000):
        if any([_remasked(change) for change in entry.changes]):
            batch.append(entry)
        if len(batch) >= 500:
            ChildChange.objects.bulk_update(batch, ["changes"])
            batch = []
    ChildChange.objects.bulk_update(batch, ["changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0005_child_anonymised"),
    ]

    operations = [
        migrations.RunPython(remask_history, migrations.RunPython.noop),
    ]
