"""spoke-hub: the reference hub's command line.

The hub itself (sync API, media upload, signalling, doctor console) arrives with the hub and
sync issue; until then this command says so and exits non-zero rather than pretending.
"""

from __future__ import annotations

import argparse
import sys

from spoke_client import __version__

EXIT_NOT_BUILT = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="spoke-hub",
        description="The reference hub for Spoke clients (not part of this build yet).",
    )
    parser.add_argument("--version", action="version", version=f"spoke-hub {__version__}")
    parser.parse_args(argv)
    print(
        "spoke-hub: the reference hub is not part of this build yet; spoke clients keep "
        "their work queued in the outbox until a hub is set up.",
        file=sys.stderr,
    )
    return EXIT_NOT_BUILT


if __name__ == "__main__":
    sys.exit(main())
