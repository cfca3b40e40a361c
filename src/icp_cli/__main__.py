"""`python -m icp_cli`: the same as the `icp` command."""

import sys

from icp_cli.main import main

sys.exit(main())
