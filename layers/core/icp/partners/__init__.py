"""The remote side of a connection: Google Cloud for multicloud, a partner for last mile."""
