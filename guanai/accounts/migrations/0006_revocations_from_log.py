"""Roles revoked before memberships were kept as history were deleted; their revocation
is in the login log (ROLE_REVOKED, with role, place, who and when). Rebuild each as a
revoked membership, so that what reads the history (REVOKED_ROLE_HOLD, the export
download check, the account's page) sees them from the first day of the upgrade."""

from datetime import timedelta

from django.db import migrations

SAME_MOMENT = timedelta(minutes=1)


def revocations_rebuild(apps, schema_editor):
    LoginEvent = apps.get_model("accounts", "LoginEvent")
    Membership = apps.get_model("accounts", "Membership")
    # A revocation already kept as a membership (made since 0005): its row was written in
    # the same transaction as its event, a moment apart.
    kept: dict[tuple, list] = {}
    for *key, revoked_at in Membership._base_manager.exclude(revoked_at=None).values_list(
        "user_id", "role_id", "area_id", "school_id", "revoked_at"
    ):
        kept.setdefault(tuple(key), []).append(revoked_at)
    granted = {}
    for event in LoginEvent.objects.filter(kind="role_granted").order_by("at"):
        granted.setdefault(
            (event.user_id, event.role_id, event.area_id, event.school_id), []
        ).append((event.at, event.by_id))
    rebuilt = []
    for event in (
        LoginEvent.objects.filter(kind="role_revoked").exclude(user=None).exclude(role=None)
    ):
        key = (event.user_id, event.role_id, event.area_id, event.school_id)
        if any(abs(at - event.at) < SAME_MOMENT for at in kept.get(key, [])):
            continue
        # The latest grant of the same role at the same place before it, if logged.
        grants = [g for g in granted.get(key, []) if g[0] <= event.at]
        granted_at, granted_by = grants[-1] if grants else (event.at, None)
        rebuilt.append(
            Membership(
                user_id=event.user_id,
                role_id=event.role_id,
                area_id=event.area_id,
                school_id=event.school_id,
                granted_at=granted_at,
                granted_by_id=granted_by,
                revoked_at=event.at,
                revoked_by_id=event.by_id,
            )
        )
    Membership._base_manager.bulk_create(rebuilt, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_membership_history")]

    operations = [migrations.RunPython(revocations_rebuild, migrations.RunPython.noop)]
