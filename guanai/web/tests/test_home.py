"""The home page is made of the panels apps register, each shown to the users it has
something for, in order."""

import pytest
from django.urls import reverse

from guanai.web import home

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch, settings, tmp_path):
    """The home page's registry, restored after the test, and a panel's template to test with."""
    monkeypatch.setattr(home, "_PANELS", dict(home._PANELS))
    (tmp_path / "greeting.html").write_text('<p data-testid="greeting">{{ greeting }}</p>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]


def register_greeting(context, stylesheets: tuple[str, ...] = ()) -> None:
    """A panel of the test's own, placed between the children's (20) and the user's roles (30)."""
    home.register(
        home.HomePanel(
            "test_greeting", "greeting.html", order=25, context=context, stylesheets=stylesheets
        )
    )


def page(client) -> str:
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_registered_panel_shows_its_own_context_in_its_place(registry, cast, client_for):
    register_greeting(
        lambda user: {"greeting": f"你好，{user.username}"},
        stylesheets=("children/lists.css", "guanai/test.css"),
    )
    body = page(client_for(cast["county_admin"]))
    assert '<p data-testid="greeting">你好，county_admin</p>' in body
    # Between the children and the user's roles; the children's stylesheet once.
    assert (
        body.index('data-testid="child-counts"')
        < body.index('data-testid="greeting"')
        < body.index('data-testid="my-memberships"')
    )
    assert body.count("children/lists.css") == 1
    assert body.index("guanai/test.css") < body.index("</head>")


def test_a_panel_with_nothing_for_the_user_is_left_out(registry, cast, client_for):
    register_greeting(lambda user: None if user.username == "volunteer" else {"greeting": "你好"})
    assert 'data-testid="greeting"' not in page(client_for(cast["volunteer"]))
    assert 'data-testid="greeting"' in page(client_for(cast["teacher"]))


def test_the_conflicts_panel_is_only_for_those_who_resolve_them(cast, client_for):
    def context(role):
        response = client_for(cast[role]).get(reverse("web:home"))
        return response.context

    assert context("county_admin")["conflicts_pending"] == 0
    assert "conflicts_pending" not in context("village_director")


def test_every_user_sees_their_roles_and_where_they_hold_them(cast, client_for):
    body = page(client_for(cast["village_director"]))
    assert 'data-testid="my-memberships"' in body
    assert "村(居)儿童主任 · 长滩村" in body
