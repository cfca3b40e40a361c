"""The guard in tests/conftest.py really refuses addresses outside loopback."""

import socket

import pytest


def test_a_connection_outside_loopback_is_refused():
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(AssertionError, match="reach"),
    ):
        sock.connect(("192.0.2.1", 443))


def test_a_name_lookup_outside_loopback_is_refused():
    with pytest.raises(AssertionError, match="resolve"):
        socket.getaddrinfo("interconnect.us-east-1.amazonaws.com", 443)


def test_loopback_lookups_are_allowed():
    assert socket.getaddrinfo("127.0.0.1", 80)
