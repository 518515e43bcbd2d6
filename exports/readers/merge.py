"""`journey merge SOURCE...`: other journey databases (laptops used in the field) into one.

Every source is opened read-only and validated like any database before anything
is merged (a file that is missing, not a journey database, damaged or of a newer
schema stops the command with one line and the target unchanged). A source is never
written: one of an older schema is read from a private upgraded copy made beside
the target database (`.journey-tmp-*`, 0600, see `storage.files`; never in the shared
/tmp, where `forget` could not reach it), removed afterwards, or by the next command
writing in that folder if this one is killed. Then each
source is merged in its own transaction by the rules of `storage/merging.py`:
rows matched by id (studies, stages, channels, tags and prompts also by name or
position), new rows added, conflicting rows settled by the newer change and listed,
nothing deleted, so merging again adds nothing. A participant code on both sides is
two people unless `--participants same` says otherwise: the merge refuses by
default, and `--participants rename` gives theirs new codes, written to a file
beside the database (`renamed_file`).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from journey.capture.row_rules import checked_row
from journey.exports.export_errors import OutputExists
from journey.exports.output_file import PrivateFiles
from journey.storage.connection import file_mode, open_database
from journey.storage.errors import JourneyError, SchemaTooOld
from journey.storage.files import Temporary, private_temporary, sweep
from journey.storage.merge_report import MergeReport, ParticipantClash
from journey.storage.merge_tables import database_rows, upgraded_copy
from journey.storage.merging import merge_rows
from journey.storage.studies import get_study

MAX_CONFLICTS_SHOWN = 50


class SameDatabase(JourneyError):
    """A source is the database being merged into."""


def merge_databases(
    db: Database,
    target: Path,
    sources: Sequence[Path],
    *,
    dry_run: bool = False,
    participants: str = "refuse",
    accept_deletions: bool = False,
) -> list[tuple[Path, MergeReport]]:
    """Merge each of `sources` into `db` (the database at `target`), one transaction each;
    `participants`: what the same participant code on both sides means (refuse, rename,
    same; see `storage.merging`). Every row is checked as an import's are
    (capture.row_rules); rows a source deleted are deleted here only with
    `accept_deletions`."""
    for path in sources:
        if path.exists() and target.exists() and os.path.samefile(path, target):
            raise SameDatabase(f"{path}: is the database being merged into (--db)")
    if not dry_run:
        sweep(target.absolute().parent)  # what a killed merge left beside the database
    opened: list[tuple[Path, Database]] = []
    copies: list[Temporary] = []
    try:
        for path in sources:
            opened.append((path, _open_source(path, target, copies)))
        merged = []
        for path, source in opened:
            try:
                report = merge_rows(
                    db,
                    database_rows(source),
                    source=source,
                    dry_run=dry_run,
                    participants=participants,
                    check=checked_row,
                    accept_deletions=accept_deletions,
                )
            except ParticipantClash as error:
                raise ParticipantClash(f"{path}: {error}") from None
            merged.append((path, report))
        return merged
    finally:
        for _, source in opened:
            source.close()
        for copy in copies:
            copy.release()


def _open_source(path: Path, target: Path, copies: list[Temporary]) -> Database:
    """The source, read-only and never written; one of an older schema is read from an
    upgraded private copy beside the target database (added to `copies`)."""
    try:
        return open_database(path, read_only=True, upgrade=False)
    except SchemaTooOld:
        pass
    try:
        copy = private_temporary(target.absolute().parent, file_mode())
    except OSError as error:
        raise JourneyError(
            f"{path}: is of an older schema, and its upgraded copy cannot be made beside "
            f"{target} ({error.strerror})"
        ) from error
    copies.append(copy)
    upgraded_copy(path, copy.path)
    return open_database(copy.path, read_only=True, upgrade=False)


RENAMED_COLUMNS = ("study", "source", "old_code", "new_code", "segment")


def renamed_file(
    db: Database, target: Path, merged: Sequence[tuple[Path, MergeReport]], *, group: bool = False
) -> Path | None:
    """Write the participants `--participants rename` gave new codes (study, source, old
    and new code, segment) to a private CSV beside the database; None when none was."""
    rows = [
        (get_study(db, r.study_id).name, str(path), r.old, r.new, r.segment or "")
        for path, report in merged
        for r in report.renamed
    ]
    if not rows:
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for number in range(1, 100):
        suffix = f"-{number}" if number > 1 else ""
        out = target.with_name(f"{target.stem}-renamed-participants-{stamp}{suffix}.csv")
        if out.exists():
            continue
        try:
            # Never over an existing file, nor over the database's own files.
            with PrivateFiles(group=group, database=target) as files:
                writer = csv.writer(files.open(out), lineterminator="\r\n")
                writer.writerow(RENAMED_COLUMNS)
                writer.writerows(rows)
        except OutputExists:
            continue  # another merge of the same second took the name meanwhile
        return out
    raise JourneyError(f"{target.parent}: no free name for the renamed participants' file")


def report_lines(source: str, target: str, report: MergeReport) -> list[str]:
    """What `journey merge` prints for one source."""
    conflicts = sum(t.conflicts for t in report.tables.values())
    verb = "Would merge" if report.dry_run else "Merged"
    lines = [
        f"{verb} {source} into {target}: {report.added} rows added, "
        f"{conflicts} conflict{'s' if conflicts != 1 else ''}"
        + (" (dry run, nothing written)" if report.dry_run else "")
    ]
    lines.extend(table_lines(report))
    lines.extend(note_lines(report))
    lines.extend(deletion_lines(report))
    for renamed in report.renamed:
        lines.append(f"  participant {renamed.old} of theirs is {renamed.new} here")
    lines.extend(conflict_lines(report))
    return lines


def note_lines(report: MergeReport) -> list[str]:
    lines = [f"  {note}" for note in report.mapped]
    if report.matched:
        shown = ", ".join(f"{table} {n}" for table, n in report.matched.items())
        lines.append(f"  rows of theirs that are ours by name, code or position: {shown}")
    return lines


def deletion_lines(report: MergeReport) -> list[str]:
    """The rows the source deleted that are live here: applied, or held back."""
    if not report.deletions:
        return []
    shown = ", ".join(f"{table} {n}" for table, n in report.deletions.items())
    if report.deletions_applied:
        verb = "would be deleted" if report.dry_run else "deleted"
        return [f"  rows deleted there, {verb} here (--accept-deletions): {shown}"]
    return [f"  rows deleted there, kept here: {shown} (--accept-deletions deletes them here too)"]


def table_lines(report: MergeReport) -> list[str]:
    rows = [(name, c) for name, c in report.tables.items() if c.added or c.identical or c.conflicts]
    if not rows:
        return ["  (the source holds no rows)"]
    width = max(len("table"), *(len(name) for name, _ in rows))
    lines = [
        f"  {'table':<{width}}  {'added':>7}  {'skipped':>7}  {'theirs won':>10}  {'ours kept':>9}"
    ]
    for name, c in rows:
        lines.append(
            f"  {name:<{width}}  {c.added:>7}  {c.identical:>7}  {c.theirs:>10}  {c.ours:>9}"
        )
    return lines


def conflict_lines(report: MergeReport) -> list[str]:
    lines = []
    for conflict in report.conflicts[:MAX_CONFLICTS_SHOWN]:
        side = "theirs won" if conflict.winner == "theirs" else "ours kept"
        lines.append(
            f"  conflict in {conflict.table} {conflict.key}: {', '.join(conflict.columns)} "
            f"differ; {side}: {conflict.reason}"
        )
    hidden = sum(t.conflicts for t in report.tables.values()) - len(lines)
    if hidden > 0:
        lines.append(f"  and {hidden} more conflicts")
    return lines
