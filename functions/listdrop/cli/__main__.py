"""`python -m listdrop.cli`: what the virtual environment's `listdrop` script runs (see the Makefile)."""

import sys

from listdrop.cli.app import main

sys.exit(main())
