"""The partner order API's request signature: HMAC-SHA256 over "{timestamp}." + raw body.

The expected values were computed independently with
``printf '%s' '<timestamp>.<body>' | openssl dgst -sha256 -hmac '<secret>'``.
"""

from __future__ import annotations

import pytest
from icp.signing import REPLAY_WINDOW_SECONDS, sign, signature_valid

SECRET = "whsec-test-0001"
NOW = 1780272000  # 2026-06-01T00:00:00Z
BODY = b'{"awsPrefixes":["10.20.0.0/16"],"sitePrefixes":["172.16.8.0/22"]}'
BODY_SIGNATURE = "sha256=e8c15de6bce5d40d98f69d6b0641b87faf1abdb72dc013659e4506051ef39a3c"
EMPTY_SIGNATURE = "sha256=ba4e9e1ec9fa9ea7674f77b5e4f28ae121cccb39a61f609755bfa41e1f417951"


def test_a_body_is_signed_as_hmac_sha256_over_the_timestamp_a_dot_and_the_raw_body() -> None:
    assert sign(SECRET, NOW, BODY) == BODY_SIGNATURE


def test_an_empty_body_signs_the_timestamp_and_the_dot_alone() -> None:
    assert sign(SECRET, str(NOW), b"") == EMPTY_SIGNATURE


def test_a_signature_made_now_with_the_shared_secret_is_valid() -> None:
    assert signature_valid(SECRET, str(NOW), BODY_SIGNATURE, BODY, now=NOW)


@pytest.mark.parametrize("skew", [-REPLAY_WINDOW_SECONDS, REPLAY_WINDOW_SECONDS])
def test_a_signature_at_the_edge_of_the_replay_window_is_valid(skew: int) -> None:
    timestamp = NOW + skew
    assert signature_valid(SECRET, str(timestamp), sign(SECRET, timestamp, BODY), BODY, now=NOW)


@pytest.mark.parametrize("skew", [-REPLAY_WINDOW_SECONDS - 1, REPLAY_WINDOW_SECONDS + 1])
def test_a_signature_outside_the_replay_window_is_refused(skew: int) -> None:
    timestamp = NOW + skew
    assert not signature_valid(SECRET, str(timestamp), sign(SECRET, timestamp, BODY), BODY, now=NOW)


def test_a_changed_body_is_refused() -> None:
    assert not signature_valid(SECRET, str(NOW), BODY_SIGNATURE, BODY.replace(b"10.20", b"10.21"), now=NOW)


def test_another_secret_is_refused() -> None:
    assert not signature_valid("whsec-test-0002", str(NOW), BODY_SIGNATURE, BODY, now=NOW)


def test_a_signature_moved_to_another_timestamp_is_refused() -> None:
    assert not signature_valid(SECRET, str(NOW + 1), BODY_SIGNATURE, BODY, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        (None, BODY_SIGNATURE),
        (str(NOW), None),
        ("", BODY_SIGNATURE),
        ("2026-06-01T00:00:00Z", BODY_SIGNATURE),
        ("-1780272000", BODY_SIGNATURE),
        ("0" + str(NOW), BODY_SIGNATURE),  # a padded timestamp does not stand in for the signed one
        (str(NOW), BODY_SIGNATURE.removeprefix("sha256=")),
        (str(NOW), BODY_SIGNATURE.upper()),
    ],
)
def test_malformed_headers_are_refused(timestamp: str | None, signature: str | None) -> None:
    assert not signature_valid(SECRET, timestamp, signature, BODY, now=NOW)
