"""The tables a merge takes, as the schema itself says (so tables added by later
migrations merge by the same rules): their keys, what is content, who owns a row, and
the order foreign keys need; and the rows of a source database, streamed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from journey.storage.connection import open_database
from journey.storage.errors import CorruptDatabase
from journey.storage.items import item_key

# Natural keys: how rows made separately for the same thing are recognised.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "studies": ("name",),
    "stages": ("study_id", "name"),
    "channels": ("study_id", "name"),
    "tags": ("study_id", "name"),
    "participants": ("study_id", "code"),
    "prompts": ("stage_id", "position"),
}
# Columns that say when a row last changed, where it is not `updated_at`.
VERSION_COLUMNS: dict[str, str] = {"stage_progress": "at"}
# Columns that are not compared: when a row was made, and our own stage order.
NOT_CONTENT: dict[str, frozenset[str]] = {"stages": frozenset({"position"})}
NEVER_CONTENT = frozenset({"created_at"})
# Tables that are not data: the migrations log and SQLite's own.
SKIP = ("_sqlite_migrations",)
# Litestream's bookkeeping (`journey replicate`): `_litestream_seq`, `_litestream_lock`.
LITESTREAM_PREFIX = "_litestream_"
# The map summaries (agg_*) are derived: triggers recount them as the rows arrive.
DERIVED_PREFIX = "agg_"
# Columns derived from a row's own content: recomputed here, never taken from a source.
DERIVED_COLUMNS: dict[str, dict[str, Callable[[dict], object]]] = {
    "entries": {"item_key": lambda row: item_key(row["text"]) if "text" in row else None},
}

RowSource = Callable[[str], Iterable[dict]]
RowCheck = Callable[[str, dict], dict]
# The columns that say whose a row is: a row matched by its id keeps them.
OWNERS: dict[str, tuple[str, ...]] = {
    "stages": ("study_id",),
    "channels": ("study_id",),
    "tags": ("study_id",),
    "themes": ("study_id",),
    "prompts": ("study_id",),
    "participants": ("study_id",),
    "sessions": ("study_id", "participant_id"),
    "entries": ("session_id",),
    "edits": ("entry_id",),
}


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # primary key columns
    references: dict[str, str]  # column -> referenced table (by its single-column key)
    version: str | None

    @property
    def has_id(self) -> bool:
        return self.key == ("id",)


def named(table: TableInfo, row: dict) -> str:
    """A row as messages name it: its id, or its key."""
    return (
        ", ".join(f"{c} {row.get(c)}" for c in table.key)
        if not table.has_id
        else str(row.get("id"))
    )


def merge_order(db: Database) -> tuple[list[TableInfo], list[str]]:
    """The data tables of the schema, parents before children, and those left out."""
    virtual = {
        row[0]
        for row in db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    }
    names = [
        row[0]
        for row in db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
    ]
    infos: dict[str, TableInfo] = {}
    skipped: list[str] = []
    for name in names:
        if (
            name in SKIP
            or name.startswith((DERIVED_PREFIX, LITESTREAM_PREFIX))
            or name in virtual
            or any(name.startswith(v + "_") for v in virtual)
        ):
            continue
        columns = db.conn.execute(f"PRAGMA table_info([{name}])").fetchall()
        key = tuple(c[1] for c in sorted((c for c in columns if c[5]), key=lambda c: c[5]))
        if not key:
            skipped.append(name)
            continue
        names_only = tuple(c[1] for c in columns)
        references = {fk[3]: fk[2] for fk in db.conn.execute(f"PRAGMA foreign_key_list([{name}])")}
        version = VERSION_COLUMNS.get(name) or (
            "updated_at" if "updated_at" in names_only else None
        )
        infos[name] = TableInfo(name, names_only, key, references, version)
    ordered: list[TableInfo] = []
    placed: set[str] = set()
    pending = list(infos)
    while pending:
        progress = False
        for name in list(pending):
            parents = {t for t in infos[name].references.values() if t != name and t in infos}
            if parents <= placed:
                ordered.append(infos[name])
                placed.add(name)
                pending.remove(name)
                progress = True
        if not progress:  # a cycle: keep the schema's order for the rest
            ordered.extend(infos[name] for name in pending)
            break
    return ordered, skipped


def database_rows(source: Database) -> RowSource:
    """Rows of every table of `source`, streamed in insertion order."""
    tables = set(source.table_names())

    def rows(table: str) -> Iterator[dict]:
        if table not in tables:
            return
        cursor = source.conn.execute(f"SELECT * FROM [{table}] ORDER BY rowid")
        names = [d[0] for d in cursor.description]
        try:
            for row in cursor:
                yield dict(zip(names, row, strict=True))
        finally:
            with suppress(sqlite3.ProgrammingError):  # the source closed already
                cursor.close()

    return rows


def upgraded_copy(path: Path, copy: Path) -> Path:
    """A copy of the database at `path` into `copy`, an empty private file the caller
    made (see `storage.files.private_temporary`), brought to this schema.

    For a source of an older schema, which a read-only open cannot migrate: the
    source itself is read through SQLite's online backup and never written.
    """
    source = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    except sqlite3.DatabaseError as error:
        raise CorruptDatabase(f"{path}: cannot read the database ({error})") from error
    finally:
        target.close()
        source.close()
    open_database(copy).close()  # applies the pending migrations to the copy
    return copy
