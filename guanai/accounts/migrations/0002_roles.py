from django.db import migrations


def write_roles(apps, schema_editor):
    from guanai.accounts.roles import ROLES

    Role = apps.get_model("accounts", "Role")
    # Only the fields the model has at this migration; later ones set the rest.
    fields = {f.name for f in Role._meta.get_fields()} - {"code"}
    for spec in ROLES:
        Role.objects.update_or_create(
            code=spec["code"], defaults={k: v for k, v in spec.items() if k in fields}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(write_roles, migrations.RunPython.noop)]
