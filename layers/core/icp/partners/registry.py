"""Which RemoteSide serves a provider."""

from __future__ import annotations

import functools

from icp.partners.base import RemoteSide

GOOGLE_CLOUD = "google-cloud"


@functools.cache
def remote_side_for(provider: str) -> RemoteSide:
    """The remote side for ``provider``: Google Cloud for multicloud, otherwise the
    last-mile partner of that name (configured in ``LAST_MILE_PARTNERS``; an unknown
    partner fails on first use with a clear error). One instance per provider."""
    # Imported here so a last-mile function never loads the Google client libraries.
    if provider == GOOGLE_CLOUD:
        from icp.partners.google_cloud import GoogleCloudSide

        return GoogleCloudSide()
    from icp.partners.last_mile import LastMileSide

    return LastMileSide(provider)
