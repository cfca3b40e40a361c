"""Imported first by each benchmark script (benchmarks/README.md): keeps the handlers'
structured logs and the Google Cloud emulator's gRPC chatter out of the tables. The core's
Logger reads its level when first imported, so this runs before anything imports `icp`."""

import os

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
