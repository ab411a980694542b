"""Allow ``python -m cxlib``."""

import sys

from cxlib.cli import main

if __name__ == "__main__":
    sys.exit(main())
