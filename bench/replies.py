"""`python -m bench.replies`: see evaluation/replies.py."""

import sys

from evaluation.replies import main

if __name__ == "__main__":
    sys.exit(main())
