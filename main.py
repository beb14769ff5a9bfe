"""Logo Studio launcher (also the PyInstaller entry script)."""

import sys

from desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
