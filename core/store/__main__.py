"""``python -m core.store migrate --from DIR --to LOCATION``: copy a store elsewhere and verify the copy.

Exit codes: 0 copied and verified; 1 the copy differs from the source (one sentence says how);
2 bad arguments or a store that cannot be opened or read (one sentence, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from core.store import describe, migrate


class _Parser(argparse.ArgumentParser):
    """Argument errors as one sentence (argparse would print the whole usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m core.store", description="Tools for a showroom store.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cmd = commands.add_parser(
        "migrate",
        help="copy a store to another location and verify the copy",
        description="Copy every reading, station, level, quarantined reading, feed-health row and the scenario state "
        "of one store into another (any backend), then compare per-day counts and checksums. "
        "Running it again copies only what is missing.",
    )
    cmd.add_argument("--from", dest="source", required=True, metavar="DIR", help="the store to copy (an embedded store's data directory)")
    cmd.add_argument("--to", dest="target", required=True, metavar="LOCATION", help="where to: a directory or a URL, e.g. postgresql://…")
    cmd.add_argument("--tz", default="Europe/Berlin", help="the city's time zone, where the stores' days start (default: %(default)s)")
    cmd.add_argument("--check", action="store_true", help="compare only, copy nothing")
    args = parser.parse_args(argv)
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731 - progress goes to stderr, the summary to stdout
    try:
        report = migrate.run(args.source, args.target, tz=args.tz, check=args.check, progress=say)
    except migrate.MigrationError as exc:
        say(f"{parser.prog} {args.command}: {exc}")
        return 2
    if report.differences:
        say(f"{parser.prog} {args.command}: {describe(args.target)}: {report.verdict()}")
        return 1
    print(report.summary(check=args.check))
    return 0


if __name__ == "__main__":
    sys.exit(main())
