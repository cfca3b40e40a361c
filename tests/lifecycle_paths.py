"""The statuses a connection passes through, in order, as the tests expect them (README, "How
it works"): one list, so a change of the lifecycle is one change here."""

# An AWS-initiated or proposal-accepted connection, from the request to ACTIVE.
PROVISIONED = [
    "RECEIVED",
    "VALIDATED",
    "GATEWAY_READY",
    "AWAITING_ACTIVATION",
    "PROVISIONING",
    "ROUTES_PROPAGATING",
    "ACTIVE",
]
