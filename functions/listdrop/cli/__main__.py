"""`python -m listdrop.cli`: the same as the `listdrop` command that installing the package gives (pyproject.toml)."""

import sys

from listdrop.cli.app import main

sys.exit(main())
