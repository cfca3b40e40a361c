"""The local cloud: run Interconnect Control Plane on one machine, with no AWS account.

from icp_local import LocalCloud
with LocalCloud() as cloud:
    cloud.put_event("com.example.network", "Interconnect Connection Requested", request)
    cloud.run_until_idle()
    assert cloud.connection(request["requestId"])["status"] == "ACTIVE"
"""

import os

# gRPC's C core (the Google emulator) logs connection teardown at INFO; it reads this when grpc
# loads, which the imports below do: so it is set first.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

from icp_local.cloud import LocalCloud

__all__ = ["LocalCloud"]
