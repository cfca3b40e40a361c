"""`icp`: the operator command. `icp local demo` runs the demo in the local cloud."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="icp", description="Interconnect Control Plane")
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="the local cloud: everything on this machine, no AWS account")
    local_commands = local.add_subparsers(dest="local_command", required=True)
    local_commands.add_parser("demo", help="provision a multicloud and a last-mile connection to ACTIVE")
    serve = local_commands.add_parser("serve", help="serve the REST API on loopback with the local cloud behind it")
    serve.add_argument("--port", type=int, default=8080, help="loopback port (default 8080)")
    args = parser.parse_args(argv)
    if args.command == "local" and args.local_command == "demo":
        from icp_local.demo import run

        return run()
    if args.command == "local" and args.local_command == "serve":
        from icp_local.serve import serve as serve_api

        return serve_api(args.port)
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())
