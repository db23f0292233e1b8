"""``python -m predefsparse`` runs the command line."""
import sys

from predefsparse.cli import main

sys.exit(main())
