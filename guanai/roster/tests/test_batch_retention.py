"""Import batches keep the rows of their file (names, ID numbers) for 30 days, no longer:
the daily retention run drops them, and the record of the batch stays."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from guanai.core.crypto import seal
from guanai.roster.models import ImportBatch
from guanai.roster.services import batch_files_expire

State = ImportBatch.State


def batch(user, state: str, days_old: int) -> ImportBatch:
    return ImportBatch.objects.create(
        user=user,
        file_name="花名册.xlsx",
        file_sha256="0" * 64,
        state=state,
        created_at=timezone.now() - timedelta(days=days_old),
        sealed=seal(b"roster") if state in (State.CHECKED, State.IMPORTING) else b"",
        report=seal(b'{"errors": [[2, "A", "\\u5f20\\u4e09", "x"]]}'),
        error_file=seal(b"faulty rows"),
    )


def test_old_batches_lose_their_rows_and_keep_their_record(cast):
    user = cast["village_director"]
    imported = batch(user, State.IMPORTED, 31)
    waiting = batch(user, State.CHECKED, 40)
    running = batch(user, State.IMPORTING, 40)
    recent = batch(user, State.IMPORTED, 29)

    assert batch_files_expire(older_than=timedelta(days=30)) == 2

    for done in (imported, waiting):
        done.refresh_from_db()
        assert (bytes(done.sealed), bytes(done.report), bytes(done.error_file)) == (b"", b"", b"")
        assert done.file_name == "花名册.xlsx"
    assert imported.state == State.IMPORTED
    assert waiting.state == State.CANCELLED
    assert "30天" in waiting.message
    for kept in (running, recent):
        kept.refresh_from_db()
        assert bytes(kept.error_file)
    assert batch_files_expire(older_than=timedelta(days=30)) == 0


def test_the_faulty_rows_of_an_expired_batch_are_gone_for_the_importer(cast, client_for):
    user = cast["village_director"]
    old = batch(user, State.IMPORTED, 31)
    client = client_for(user)
    url = reverse("roster:import_errors", args=[old.pk])
    assert client.get(url).status_code == 200
    call_command("anonymise_expired")
    assert client.get(url).status_code == 404
    assert client.get(reverse("roster:import_detail", args=[old.pk])).status_code == 200
