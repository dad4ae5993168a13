"""The client's address, read the same way by the lockout, the rate limits and the logs."""

from django.test import RequestFactory, override_settings

from guanai.core.http import client_address

factory = RequestFactory()


def request(forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return factory.get("/", REMOTE_ADDR="10.0.0.1", **extra)


def test_without_a_proxy_a_forwarded_header_is_not_believed():
    assert client_address(request("1.2.3.4")) == "10.0.0.1"


@override_settings(PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_forwarded_is_the_client():
    assert client_address(request("1.2.3.4")) == "1.2.3.4"
    # Whatever the client put in the header itself stays to the left, untrusted.
    assert client_address(request("9.9.9.9, 1.2.3.4")) == "1.2.3.4"


@override_settings(PROXY_COUNT=2)
def test_behind_two_proxies_the_second_from_the_right():
    assert client_address(request("9.9.9.9, 1.2.3.4, 172.16.0.5")) == "1.2.3.4"
    # A header shorter than the proxies promised: the direct peer, never a guess.
    assert client_address(request("1.2.3.4")) == "10.0.0.1"
