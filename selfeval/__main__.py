"""`python -m selfeval …`: the command line, as the `selfeval` script runs it."""

import sys

from selfeval.cli import main

sys.exit(main())
