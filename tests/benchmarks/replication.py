"""Kill-and-restore, repeated, with the replication lag measured (issue 18's proof).

    python -m tests.benchmarks.replication [--runs 10] [--writers 20] [--sftp]
                                           [--out results.md]

run from the root of the checkout. Each run: a new database, `journey replicate` to a
file:// replica (or, with --sftp, to an sshd on 127.0.0.1 that the run starts; needs
root and openssh-server), 20 interviewer processes writing, then the writers and
Litestream killed with SIGKILL at a random moment 3 to 8 s in, and the replica restored
into a new file (tests/faults/replica_kill.py). Per run it prints the lines acknowledged
before the kill, those in the restored file, those lost although acknowledged more than
the documented lag (1 s) before the kill (must be 0), and the lag: how long before the
kill the oldest lost line was acknowledged (the window of loss; 0 when nothing was lost).
Exit status 1 when a run lost a line outside the lag or restored a damaged file.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

from journey.storage.replication.litestream import LAG_SECONDS
from tests.faults.replica_kill import Outcome, kill_and_restore


def _sftp(folder: Path):
    """The SFTP server of the tests, with the environment Litestream's login needs."""
    import os

    from tests.storage.sshd import sftp_server

    servers = sftp_server(folder)
    server = next(servers)
    os.environ.update(server.environ)
    return server, servers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--sftp", action="store_true", help="replicate over SFTP")
    parser.add_argument("--out", type=Path)
    options = parser.parse_args()
    rows = []
    failed = False
    with contextlib.ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="journey-bench-")))
        server = None
        if options.sftp:
            server, servers = _sftp(base / "sshd")
            stack.callback(lambda: next(servers, None))
        for run in range(1, options.runs + 1):
            folder = base / f"run-{run}"
            folder.mkdir()
            replica = folder / "replica"
            url = server.url(replica) if server else f"file://{replica}"
            outcome = kill_and_restore(folder, url, writers=options.writers, seed=run)
            failed |= outcome.lost_outside_lag > 0 or outcome.integrity != "ok"
            rows.append(outcome)
            print(f"run {run}: {_line(outcome)}", file=sys.stderr, flush=True)
    text = _table(rows, "sftp://127.0.0.1" if options.sftp else "file://", options.writers)
    print(text)
    if options.out:
        options.out.write_text(text + "\n")
    return 1 if failed else 0


def _line(outcome: Outcome) -> str:
    return (
        f"{outcome.acknowledged} acknowledged, {outcome.restored} restored, "
        f"{outcome.lost_outside_lag} lost outside the lag, lag {outcome.lag * 1000:.0f} ms, "
        f"integrity {outcome.integrity}"
    )


def _table(rows: list[Outcome], where: str, writers: int) -> str:
    lines = [
        f"Kill-and-restore to {where}, {writers} writers, {len(rows)} runs "
        f"(documented lag {LAG_SECONDS:g} s)",
        "",
        "| run | acknowledged | restored | lost outside the lag | lag (ms) | integrity |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for n, row in enumerate(rows, start=1):
        lines.append(
            f"| {n} | {row.acknowledged} | {row.restored} | {row.lost_outside_lag} | "
            f"{row.lag * 1000:.0f} | {row.integrity} |"
        )
    lags = [row.lag * 1000 for row in rows]
    lines += [
        "",
        f"lost outside the lag: {sum(row.lost_outside_lag for row in rows)}; "
        f"lag median {statistics.median(lags):.0f} ms, max {max(lags):.0f} ms",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
