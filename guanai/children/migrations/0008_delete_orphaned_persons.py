"""Family members no child refers to any more are deleted: a replaced or removed parent,
guardian or grandparent used to stay, nobody's, and could be claimed by anyone typing their
ID number (children.selectors.person_editable_by; from now on they go at once)."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def delete_orphaned_persons(apps, schema_editor):
    Person = apps.get_model("children", "Person")
    Child = apps.get_model("children", "Child")
    Grandparent = apps.get_model("children", "Grandparent")
    Person.objects.filter(
        ~Exists(Child.objects.filter(father=OuterRef("pk"))),
        ~Exists(Child.objects.filter(mother=OuterRef("pk"))),
        ~Exists(Child.objects.filter(guardian=OuterRef("pk"))),
        ~Exists(Grandparent.objects.filter(person=OuterRef("pk"))),
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0007_exit_recorded_at"),
    ]

    operations = [
        migrations.RunPython(delete_orphaned_persons, migrations.RunPython.noop),
    ]
