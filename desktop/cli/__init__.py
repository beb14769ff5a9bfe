"""Command-line interface: ``logo-studio generate``, ``export``, ``download``, ``kit`` and ``--check``
for scripting and batch work. The parser of every command is ``parser``; each command runs in a
module of its own; this module says how a command ends.

Errors print one line to stderr (no traceback) and exit non-zero: 2 for bad input (a model that
is not there or not loadable, a download nobody agreed to), 1 for a download, memory or disk
problem, 130 when interrupted with Ctrl+C. Nothing is downloaded without asking: on a terminal
the command asks; without one it needs ``--yes``.
"""

from __future__ import annotations

import sys

from desktop.errors import LogoStudioError

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def fail(error, code: int) -> int:
    """Print ``error`` (a LogoStudioError's message, else its text) as one line on stderr; returns ``code``."""
    text = error.message if isinstance(error, LogoStudioError) else str(error)
    print(f"logo-studio: error: {text}", file=sys.stderr)
    return code
