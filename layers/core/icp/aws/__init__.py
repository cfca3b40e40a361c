"""One thin adapter per AWS service. Each wraps ClientError into domain errors and
retries what AWS says is retryable (through ``icp.aws.clients.call``)."""
