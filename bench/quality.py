"""`python -m bench.quality`: see evaluation/quality.py."""

import sys

from evaluation.quality import main

if __name__ == "__main__":
    sys.exit(main())
