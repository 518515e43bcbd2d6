"""Whether a database is being replicated, and how far behind each replica is.

A running `journey replicate` holds `replicate.lock` in the working folder and writes
`status.json` there every second: per replica, the last transaction Litestream uploaded
(read from its log) and when. The transactions Litestream has taken from the database
are its local files (`replica-n/ltx/0/MIN-MAX.ltx`); those not uploaded yet are the lag,
and the oldest of them says since when."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from journey.storage.replication.workdir import (
    configured_replicas,
    held,
    read_json,
    replica_state,
    working_folder,
)


@dataclass(frozen=True)
class ReplicaStatus:
    url: str
    local_txid: int  # the last transaction Litestream took from the database
    replica_txid: int  # the last one it uploaded
    behind_seconds: float  # age of the oldest change not uploaded yet (0 when in step)
    error: str = ""

    def describe(self) -> str:
        if self.error:
            return f"{self.url}: {self.error}"
        if self.replica_txid >= self.local_txid:
            return f"{self.url}: in step (transaction {self.replica_txid})"
        behind = self.local_txid - self.replica_txid
        return (
            f"{self.url}: {behind} transaction{'s' if behind != 1 else ''} behind, "
            f"the oldest {self.behind_seconds:.1f} s old"
        )


@dataclass(frozen=True)
class Replication:
    running: bool
    replicas: list[ReplicaStatus] = field(default_factory=list)
    pid: int = 0

    def describe(self) -> str:
        if not self.replicas:
            return "no (see `journey replicate`)"
        if not self.running:
            urls = ", ".join(replica.url for replica in self.replicas)
            return f"stopped (was to {urls}; start `journey replicate` again)"
        return "; ".join(replica.describe() for replica in self.replicas)


def local_transactions(state: Path) -> list[tuple[int, int, float]]:
    """Litestream's local level-0 files: (min, max transaction, modification time)."""
    found: list[tuple[int, int, float]] = []
    level0 = state / "ltx" / "0"
    if not level0.is_dir():
        return found
    for path in level0.glob("*.ltx"):
        low, _, high = path.stem.partition("-")
        try:
            found.append((int(low, 16), int(high, 16), path.stat().st_mtime))
        except (ValueError, OSError):
            continue
    return sorted(found)


def replica_status(database: Path, n: int, url: str, seen: dict) -> ReplicaStatus:
    local = local_transactions(replica_state(database, n))
    local_txid = local[-1][1] if local else 0
    uploaded = int(seen.get("replica_txid", 0))
    if url.startswith("file://"):  # the replica's own files say exactly where it is
        sent = local_transactions(Path(url.removeprefix("file://")))
        uploaded = max(uploaded, sent[-1][1] if sent else 0)
    unsent = [mtime for low, _high, mtime in local if low > uploaded]
    behind = max(0.0, time.time() - min(unsent)) if unsent and local_txid > uploaded else 0.0
    return ReplicaStatus(url, local_txid, uploaded, behind, str(seen.get("error", "")))


def replication(database: Path) -> Replication:
    """What `journey check` says about replication."""
    folder = working_folder(database)
    if not folder.is_dir():
        return Replication(False)
    status = read_json(folder / "status.json")
    seen = {
        int(item.get("n", 0)): item for item in status.get("replicas", []) if isinstance(item, dict)
    }
    replicas = [
        replica_status(database, n, url, seen.get(n, {}))
        for n, url in configured_replicas(database)
    ]
    return Replication(held(folder / "replicate.lock"), replicas, int(status.get("pid", 0)))
