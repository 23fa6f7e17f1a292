"""``python -m benchmarks``: run the rows, print one table, write the JSON."""

import sys

from benchmarks.run import main

if __name__ == "__main__":
    sys.exit(main())
