"""Allow ``python -m pyinla``, the same as the ``pyinla`` command."""

import sys

from pyinla.cli import main

sys.exit(main())
