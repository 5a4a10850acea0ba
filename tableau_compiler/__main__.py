"""``python -m tableau_compiler`` is ``tabc``."""

import sys

from .cli import main

sys.exit(main())
