"""The local cloud: run Interconnect Control Plane on one machine, with no AWS account.

from icp_local import LocalCloud
with LocalCloud() as cloud:
    cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    cloud.run_until_idle()
    assert cloud.connection(request["requestId"])["status"] == "ACTIVE"
"""

from icp_local.cloud import LocalCloud

__all__ = ["LocalCloud"]
