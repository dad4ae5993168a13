"""Rate limits on expensive work: counted per user across requests, 429 with a Chinese
message beyond the limit, counted in the database (shared by every server process)."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from conftest import run_jobs
from guanai.core.models import RateCounter
from guanai.core.ratelimit import rate_hit
from guanai.exports.models import ExportJob

LIMITS = {
    **settings.RATE_LIMITS,
    "import": (2, 3600),
    "export": (2, 3600),
    "lookup": (2, 3600),
}


@override_settings(RATE_LIMITS=LIMITS)
def test_roster_exports_are_limited_per_user(cast, client_for):
    director = client_for(cast["village_director"])
    url = reverse("roster:export")
    assert [director.post(url, {"format": "csv"}).status_code for _ in range(2)] == [302, 302]
    refused = director.post(url, {"format": "csv"})
    assert refused.status_code == 429
    assert "操作太频繁" in refused.content.decode()
    assert ExportJob.objects.count() == 2
    # Someone else still may.
    assert client_for(cast["township_supervisor"]).post(url).status_code == 302


@override_settings(RATE_LIMITS=LIMITS)
def test_downloads_of_a_made_export_count_as_exports(cast, client_for):
    director = client_for(cast["village_director"])
    director.post(reverse("roster:export"), {"format": "csv"})
    run_jobs("exports")
    job = ExportJob.objects.get()
    url = reverse("exports:export_download", args=[job.pk])
    assert director.get(url).status_code == 200  # the second export-counted request
    assert director.get(url).status_code == 429
    assert director.get(reverse("exports:export_detail", args=[job.pk])).status_code == 200


@override_settings(RATE_LIMITS=LIMITS)
def test_uploads_are_limited_but_the_import_page_is_not(cast, client_for):
    director = client_for(cast["village_director"])
    url = reverse("roster:import")
    statuses = [director.post(url, {}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert director.get(url).status_code == 200


@override_settings(RATE_LIMITS=LIMITS)
def test_id_number_lookups_are_limited(cast, client_for):
    director = client_for(cast["village_director"])
    url = reverse("children:child_find")
    statuses = [director.post(url, {"id_number": "x"}).status_code for _ in range(3)]
    assert statuses[2] == 429


@override_settings(RATE_LIMITS=LIMITS)
@pytest.mark.django_db
def test_a_window_that_ended_is_swept_and_counts_restart():
    for _ in range(3):
        allowed, retry_after = rate_hit("export", "u1")
    assert not allowed
    assert 0 < retry_after <= 3601
    RateCounter.objects.update(expires_at="2000-01-01T00:00:00Z")
    # A new client's first hit sweeps windows that are over.
    rate_hit("export", "u2")
    assert RateCounter.objects.count() == 1
