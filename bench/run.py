"""``make bench``: the advance benchmark with its defaults (10k and 100k applicants, engine and baseline)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from advance import main  # noqa: E402  (bench/ is not a package: found through the path set above)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
