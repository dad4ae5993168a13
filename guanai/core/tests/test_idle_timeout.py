"""The idle-timeout message says the limit that is set, in either language."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def timed_out_page(client, idle: timedelta) -> str:
    """The login page a user lands on after being idle this long."""
    session = client.session
    session["guanai_last_seen"] = time.time() - idle.total_seconds()
    session.save()
    response = client.get(reverse("web:home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    return response.content.decode()


@pytest.mark.parametrize("minutes", [30, 1])
def test_the_message_names_the_minutes_of_the_setting(minutes, cast, client_for, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=minutes)
    page = timed_out_page(client_for(cast["village_director"]), timedelta(minutes=minutes + 1))
    assert f"您已超过 {minutes} 分钟未操作" in page


@pytest.mark.parametrize(
    ("minutes", "said"), [(45, "after 45 idle minutes to"), (1, "after 1 idle minute to")]
)
def test_the_english_message_names_them_too(minutes, said, cast, client_for, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=minutes)
    client = client_for(cast["village_director"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert said in timed_out_page(client, timedelta(minutes=minutes + 1))
