"""Merging rows of another journey database (or of a JSON export) into this one.

The rules, table by table, in the order foreign keys need (parents first):

- A row is the same row when its primary key matches: the UUID `id`, or the
  composite key of `stage_progress` (session, stage), `entry_tags` (entry,
  tag), `drafts` (session) and the other link tables.
- Rows that two databases created separately for the same thing are matched by
  their natural key when no id matches, and then stand for ours: a study by
  name (two laptops that each ran `journey init --study X` hold one study X),
  its stages by name, channels and tags by name, participants by code (all
  ignoring case), prompts by stage and position. Rows of the source that
  point at such a row (sessions at the study, entries at the stage or channel)
  are rewritten to point at ours.
- Participants are people: the same code in two databases is two people unless the
  caller says otherwise (`participants`): "refuse" (the default) stops the merge,
  writing nothing, and lists the clashing codes with their segments (ParticipantClash);
  "rename" gives each incoming clash the next free code of its study and reports the
  old and new codes; "same" merges them as one person, and refuses those whose
  segments differ (their sessions would change segment).
- A source row that matches nothing is added with its own id. A stage added to
  a study whose position is taken goes after the study's last stage.
- A matched row whose content differs is a conflict. For the same row (the
  same id) changed on both sides: where the table records when a row last
  changed (`updated_at`; `at` for stage progress) the newer version wins, ours
  on a tie; elsewhere ours is kept. For rows matched by natural key (made
  separately, e.g. participant P07 with another segment there) ours is kept.
  Creation times, the order of stages and the keys themselves are not content.
  Every conflict is listed with the columns that differ and the side that won.
  A conflict whose winning change would take a name or code that another row
  holds keeps ours.
- Nothing is ever deleted outright, so merging the same source twice adds nothing
  the second time. A row soft-deleted there (`deleted_at`) and live here is
  counted (`MergeReport.deletions`) and soft-deleted here only when the caller
  accepts deletions.
- Rows come from outside: the caller's `check` returns each as it may be stored
  (types, lengths, ranges, one spelling of ids and times: capture.row_rules). Rows
  stay in their study: every reference of a row must lead to one study, a row
  matched by id must be of the same study here and keep its owners (OWNERS), and a
  reference to no row stops the merge. A database source must hold every table.

The whole merge of one source runs in one BEGIN IMMEDIATE transaction; on any
error nothing of it stays. The tables come from the schema itself, so tables
added by later migrations are merged by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import ExitStack

from sqlite_utils import Database

from journey.storage.connection import read, write
from journey.storage.errors import CorruptDatabase, InvalidValue
from journey.storage.merge_report import (
    Clash,
    Conflict,
    MergeReport,
    ParticipantClash,
    Renamed,
    TableCounts,
    clash_message,
)
from journey.storage.merge_tables import (
    DERIVED_COLUMNS,
    NATURAL_KEYS,
    NEVER_CONTENT,
    NOT_CONTENT,
    OWNERS,
    RowCheck,
    RowSource,
    TableInfo,
    merge_order,
    named,
)

MAX_CONFLICTS_KEPT = 1000
PARTICIPANT_POLICIES = ("refuse", "rename", "same")


def _segment(value: object) -> str:
    return " ".join(str(value or "").casefold().split())


def merge_rows(
    db: Database,
    rows: RowSource,
    *,
    dry_run: bool = False,
    source: Database | None = None,
    only: Iterable[str] | None = None,
    participants: str = "refuse",
    check: RowCheck | None = None,
    accept_deletions: bool = False,
) -> MergeReport:
    """Merge the rows `rows(table)` gives into `db`, in one transaction.

    `source`, when the rows come from a database, is read in one snapshot and must hold
    every table of ours. `only` limits the merge to those tables. With `dry_run`,
    nothing is written. `participants` says what the same code on both sides means (see
    the module). `check(table, row)` returns each incoming row as it may be stored, or
    raises (capture.row_rules). Deletions from the source are counted, and applied only
    with `accept_deletions`.
    """
    if participants not in PARTICIPANT_POLICIES:
        raise InvalidValue(
            f"participants must be one of {', '.join(PARTICIPANT_POLICIES)}, not {participants!r}"
        )
    tables, skipped = merge_order(db)
    if source is not None:
        _require_tables(source, tables)
    infos = {t.name: t for t in tables}
    if only is not None:
        wanted = set(only)
        tables = [t for t in tables if t.name in wanted]
    report = MergeReport(
        skipped_tables=skipped, dry_run=dry_run, deletions_applied=accept_deletions
    )
    with ExitStack() as stack:
        if source is not None:
            stack.enter_context(read(source))
        stack.enter_context(read(db) if dry_run else write(db))
        merger = _Merger(db, report, dry_run, participants, infos, check)
        for table in tables:
            if table.name == "participants" and participants == "rename":
                merger.reserve_codes(table, rows(table.name))
            merger.merge_table(table, rows(table.name))
    return report


def _require_tables(source: Database, tables: list[TableInfo]) -> None:
    """A source must be a whole journey database: every table of ours is in it."""
    theirs = set(source.table_names())
    missing = [t.name for t in tables if t.name not in theirs]
    if missing:
        raise CorruptDatabase(
            f"the source has no {', '.join(missing)} table"
            f"{'s' if len(missing) > 1 else ''}, so it is not a whole journey database; "
            "nothing was merged"
        )


class _Merger:
    def __init__(
        self,
        db: Database,
        report: MergeReport,
        dry_run: bool,
        participants: str,
        infos: dict[str, TableInfo],
        check: RowCheck | None,
    ) -> None:
        self.db = db
        self.infos = infos
        self.check = check
        # (table, id) -> the study of that row, ours or met earlier in this merge
        self.study_of: dict[tuple[str, str], str | None] = {}
        self.conn = db.conn
        self.report = report
        self.dry_run = dry_run
        self.participants = participants
        self.clashes: list[Clash] = []
        # study id -> participant codes taken (case-folded), for renames
        self.codes: dict[str, set[str]] = {}
        # table -> their id -> our id, for rows matched by natural key
        self.ids: dict[str, dict[str, str]] = {}
        # study id -> stage positions taken (ours, and those given to added stages)
        self.positions: dict[str, set[int]] = {}

    def merge_table(self, table: TableInfo, rows: Iterable[dict]) -> None:
        try:
            self._merge_rows(table, rows)
        finally:
            close = getattr(rows, "close", None)
            if close is not None:  # a refused merge ends the source's query at once
                close()

    def _merge_rows(self, table: TableInfo, rows: Iterable[dict]) -> None:
        counts = self.report.counts(table.name)
        columns = set(table.columns)
        for theirs in rows:
            row = {k: v for k, v in theirs.items() if k in columns}
            if self.check is not None:
                try:
                    row = self.check(table.name, row)
                except InvalidValue as error:
                    raise InvalidValue(f"{error}; nothing was merged") from None
            for column, derive in DERIVED_COLUMNS.get(table.name, {}).items():
                if column in columns:
                    row[column] = derive(row)
            self._map_references(table, row)
            study = self._row_study(table, row)
            touchpoint = table.name == "entries" and row.get("lane") == "touchpoint"
            if touchpoint and row.get("channel_id") is None:
                raise InvalidValue(
                    f"entries: {row.get('id')} is a touchpoint without a channel, which "
                    "counts nowhere on the map; nothing was merged"
                )
            ours = self._find(table, row)
            by_key = ours is not None and table.has_id and ours["id"] != row["id"]
            if ours is not None and not by_key:
                self._same_study(table, ours, row, study)
            if by_key and ours is not None:
                if table.name == "studies":
                    study = ours["id"]  # theirs is ours, by name
                self.study_of[(table.name, ours["id"])] = study
            if table.has_id and row.get("id") is not None:
                self.study_of[(table.name, row["id"])] = study
            if ours is not None and by_key and table.name == "participants":
                person = self._same_person(ours, row)
                if person == "clash":
                    continue  # refused at the end of the table, with every clash named
                if person == "renamed":
                    ours = None  # another person, under a new code
            if ours is None:
                self._insert(table, row)
                counts.added += 1
                continue
            if by_key:
                self.ids.setdefault(table.name, {})[row["id"]] = ours["id"]
                self.report.matched[table.name] = self.report.matched.get(table.name, 0) + 1
                if table.name == "studies":
                    self.report.mapped.append(
                        f"study {row['name']!r}: theirs ({row['id']}) merged into ours "
                        f"({ours['id']}) by name"
                    )
                row["id"] = ours["id"]
            self._compare(table, ours, row, counts, by_key=by_key)
        if table.name == "participants" and self.clashes:
            raise ParticipantClash(clash_message(self.clashes, self.participants))

    # -- rows stay in their study ------------------------------------------------------

    def _row_study(self, table: TableInfo, row: dict) -> str | None:
        """The study a row belongs to, by what it points at; refused when it points at
        nothing, or into two studies."""
        if table.name == "studies":
            return row.get("id")
        found: str | None = None
        for column, parent in table.references.items():
            value = row.get(column)
            if value is None or parent not in self.infos:
                continue
            study = self._study_of(parent, value)
            if study is None:
                raise InvalidValue(
                    f"{table.name}: {named(table, row)}: {column} {value} points at no "
                    f"row of {parent}; nothing was merged"
                )
            if found is not None and study != found:
                raise InvalidValue(
                    f"{table.name}: {named(table, row)} points into two studies "
                    f"({column} {value} is of another study); nothing was merged"
                )
            found = study
        return found

    def _study_of(self, table: str, row_id: str) -> str | None:
        """The study of our row `row_id` of `table` (or of one met in this merge)."""
        key = (table, row_id)
        if key not in self.study_of:
            ours = self._one(table, {"id": row_id})
            self.study_of[key] = None if ours is None else self._row_study(self.infos[table], ours)
        return self.study_of[key]

    def _same_study(self, table: TableInfo, ours: dict, theirs: dict, study: str | None) -> None:
        """A row matched by its id must be of the same study here and there (a crafted
        file could otherwise move rows out of another study), and point at the same
        owners (its session, its entry)."""
        here = self._row_study(table, ours)
        if here != study:
            raise InvalidValue(
                f"{table.name}: {named(table, theirs)} belongs to another study here; "
                "nothing was merged"
            )
        for column in OWNERS.get(table.name, ()):
            if column in theirs and theirs[column] != ours[column]:
                raise InvalidValue(
                    f"{table.name}: {named(table, theirs)}: {column} is {theirs[column]} "
                    f"there but {ours[column]} here; nothing was merged"
                )

    def _renamed_before(
        self, table: TableInfo, ours: dict, theirs: dict, differing: tuple[str, ...]
    ) -> bool:
        """A participant of theirs merged before under a new code (their code is another
        person's here): the same row, not a conflict, however often it is merged again."""
        if table.name != "participants" or differing != ("code",):
            return False
        holder = self._one(
            "participants", {"study_id": ours["study_id"], "code": theirs["code"]}, nocase=True
        )
        return holder is not None and holder["id"] != ours["id"]

    def _same_person(self, ours: dict, theirs: dict) -> str:
        """What a participant of theirs with one of our codes is: "same" (taken as ours),
        "renamed" (given a new code, in `theirs`) or "clash" (noted, to refuse)."""
        if self.participants == "rename":
            theirs["code"] = self._free_code(theirs["study_id"], theirs["code"])
            self.report.renamed.append(
                Renamed(theirs["study_id"], ours["code"], theirs["code"], theirs.get("segment"))
            )
            return "renamed"
        if self.participants == "same" and _segment(ours.get("segment")) == _segment(
            theirs.get("segment")
        ):
            return "same"
        self.clashes.append(Clash(ours["code"], ours.get("segment"), theirs.get("segment")))
        return "clash"

    def reserve_codes(self, table: TableInfo, rows: Iterable[dict]) -> None:
        """Note the codes the source brings, so that no rename gives one of them away."""
        for theirs in rows:
            row = {k: theirs.get(k) for k in ("study_id", "code")}
            self._map_references(table, row)
            if row["study_id"] is not None and row["code"] is not None:
                self._taken(row["study_id"]).add(str(row["code"]).casefold())

    def _taken(self, study_id: str) -> set[str]:
        """The participant codes (case-folded) of a study here, and those reserved."""
        taken = self.codes.get(study_id)
        if taken is None:
            taken = {
                row[0].casefold()
                for row in self.conn.execute(
                    "SELECT code FROM participants WHERE study_id = ?", [study_id]
                )
            }
            self.codes[study_id] = taken
        return taken

    def _free_code(self, study_id: str, code: str) -> str:
        """The next code of the same shape as `code` (P007 -> P0nn after the highest
        taken, `anna` -> `anna-2`) free in the study, here and in the source."""
        taken = self._taken(study_id)
        shape = re.fullmatch(r"(.*?)(\d+)", code)
        if shape is None:
            number, make = 2, lambda n: f"{code}-{n}"
        else:
            prefix, digits = shape.groups()
            same_shape = re.compile(rf"{re.escape(prefix.casefold())}(\d+)")
            highest = max(
                (int(m.group(1)) for t in taken if (m := same_shape.fullmatch(t))), default=0
            )
            number = highest + 1
            make = lambda n: f"{prefix}{n:0{len(digits)}d}"  # noqa: E731
        while make(number).casefold() in taken:
            number += 1
        taken.add(make(number).casefold())
        return make(number)

    def _map_references(self, table: TableInfo, row: dict) -> None:
        for column, parent in table.references.items():
            value = row.get(column)
            if value is not None:
                mapped = self.ids.get(parent, {}).get(value)
                if mapped is not None:
                    row[column] = mapped

    def _find(self, table: TableInfo, row: dict) -> dict | None:
        missing = [c for c in table.key if row.get(c) is None]
        if missing:
            raise InvalidValue(f"a row of {table.name} has no {', '.join(missing)}")
        found = self._one(table.name, {c: row[c] for c in table.key})
        if found is not None or table.name not in NATURAL_KEYS:
            return found
        natural = NATURAL_KEYS[table.name]
        if any(row.get(c) is None for c in natural):
            return None
        return self._one(table.name, {c: row[c] for c in natural}, nocase=True)

    def _one(self, table: str, where: dict, *, nocase: bool = False) -> dict | None:
        clauses = " AND ".join(
            f"[{c}] = ?"
            + (" COLLATE NOCASE" if nocase and isinstance(v, str) and not c.endswith("_id") else "")
            for c, v in where.items()
        )
        cursor = self.conn.execute(f"SELECT * FROM [{table}] WHERE {clauses}", list(where.values()))
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        cursor.close()
        return dict(zip(names, found, strict=True)) if found is not None else None

    def _insert(self, table: TableInfo, row: dict) -> None:
        if table.name == "stages":
            row["position"] = self._free_position(row["study_id"], row.get("position"))
        if self.dry_run:
            return
        names = list(row)
        self.conn.execute(
            f"INSERT INTO [{table.name}] ({', '.join(f'[{n}]' for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})",
            [row[n] for n in names],
        )

    def _free_position(self, study_id: str, wanted: int | None) -> int:
        taken = self.positions.get(study_id)
        if taken is None:
            taken = {
                r[0]
                for r in self.conn.execute(
                    "SELECT position FROM stages WHERE study_id = ?", [study_id]
                )
            }
            self.positions[study_id] = taken
        position = (
            wanted if wanted is not None and wanted not in taken else max(taken, default=0) + 1
        )
        taken.add(position)
        return position

    def _compare(
        self, table: TableInfo, ours: dict, theirs: dict, counts: TableCounts, *, by_key: bool
    ) -> None:
        ignored = set(table.key) | NEVER_CONTENT | NOT_CONTENT.get(table.name, frozenset())
        derived = set(DERIVED_COLUMNS.get(table.name, {})) & set(theirs)
        ignored |= derived
        if table.version:
            ignored.add(table.version)
        differing = tuple(
            c for c in table.columns if c in theirs and c not in ignored and theirs[c] != ours[c]
        )
        if not differing or self._renamed_before(table, ours, theirs, differing):
            counts.identical += 1
            return
        key = ", ".join(str(ours[c]) for c in table.key)
        if by_key:
            counts.ours += 1
            natural = " and ".join(c for c in NATURAL_KEYS[table.name] if not c.endswith("_id"))
            self._conflict(table, key, differing, "ours", f"made separately, the same by {natural}")
            return
        if not table.version:
            counts.ours += 1
            self._conflict(table, key, differing, "ours", f"{table.name} keeps no time of change")
            return
        mine, yours = ours.get(table.version) or "", theirs.get(table.version) or ""
        if yours <= mine:
            counts.ours += 1
            why = "ours is newer" if yours < mine else "both changed at the same time"
            self._conflict(table, key, differing, "ours", f"{why} ({mine} vs {yours})")
            return
        clash = self._natural_clash(table, ours, theirs)
        if clash:
            counts.ours += 1
            self._conflict(table, key, differing, "ours", clash)
            return
        held = False  # a deletion there, not applied: ours keeps its time of change too,
        # so that a later merge that accepts deletions still finds theirs newer
        if theirs.get("deleted_at") and not ours.get("deleted_at"):
            self.report.deletions[table.name] = self.report.deletions.get(table.name, 0) + 1
            if not self.report.deletions_applied:
                held = True
                differing = tuple(c for c in differing if c != "deleted_at")
                if not differing:
                    counts.ours += 1
                    self._conflict(
                        table, key, ("deleted_at",), "ours", "a deletion there, not applied"
                    )
                    return
        counts.theirs += 1
        self._conflict(table, key, differing, "theirs", f"theirs is newer ({yours} vs {mine})")
        if self.dry_run:
            return
        changed = [*differing, *derived] + ([] if held else [table.version])
        self.conn.execute(
            f"UPDATE [{table.name}] SET {', '.join(f'[{c}] = ?' for c in changed)} "
            f"WHERE {' AND '.join(f'[{c}] = ?' for c in table.key)}",
            [theirs[c] for c in changed] + [ours[c] for c in table.key],
        )

    def _natural_clash(self, table: TableInfo, ours: dict, theirs: dict) -> str | None:
        """Why taking their version would break a unique name or code, if it would."""
        natural = NATURAL_KEYS.get(table.name)
        if not natural or all(theirs.get(c, ours[c]) == ours[c] for c in natural):
            return None
        other = self._one(table.name, {c: theirs.get(c, ours[c]) for c in natural}, nocase=True)
        if other is None or all(other[c] == ours[c] for c in table.key):
            return None
        shown = ", ".join(str(theirs.get(c)) for c in natural if not c.endswith("_id"))
        return f"theirs is newer but {shown!r} is taken by another row here"

    def _conflict(
        self, table: TableInfo, key: str, columns: tuple[str, ...], winner: str, reason: str
    ) -> None:
        if len(self.report.conflicts) < MAX_CONFLICTS_KEPT:  # the counts hold them all
            self.report.conflicts.append(Conflict(table.name, key, columns, winner, reason))
