"""Entries (what was captured), their tags, and the append-only edit log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlite_utils import Database

from journey.storage.connection import new_id, now, write
from journey.storage.errors import InvalidValue, NotFound
from journey.storage.items import item_key
from journey.storage.models import EFFORT_RANGE, EMOTION_RANGE, LANES, Entry

_ENTRY_COLUMNS = (
    "id, session_id, stage_id, lane, text, channel_id, emotion, effort, votes, author, "
    "prompt_id, created_at, updated_at, deleted_at"
)
EDITABLE_FIELDS = ("text", "lane", "channel_id", "emotion", "effort", "stage_id", "votes")


def _check(lane: str, emotion: int | None, effort: int | None) -> None:
    if lane not in LANES:
        raise InvalidValue(f"lane must be one of {', '.join(LANES)}, not {lane!r}")
    if emotion is not None and emotion not in EMOTION_RANGE:
        raise InvalidValue(f"emotion must be between -2 and +2, not {emotion}")
    if effort is not None and effort not in EFFORT_RANGE:
        raise InvalidValue(f"effort must be between 1 and 7, not {effort}")


def add_entry(
    db: Database,
    session_id: str,
    stage_id: str,
    lane: str,
    text: str,
    *,
    channel_id: str | None = None,
    emotion: int | None = None,
    effort: int | None = None,
    author: str | None = None,
    prompt_id: str | None = None,
    tags: Sequence[str] = (),
) -> Entry:
    """Commit one entry (and its tags) in one transaction: once this returns, it is on disk."""
    _check(lane, emotion, effort)
    entry_id = new_id()
    stamp = now()
    with write(db):
        db.execute(
            f"INSERT INTO entries ({_ENTRY_COLUMNS}, item_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, NULL, ?)",
            [
                entry_id,
                session_id,
                stage_id,
                lane,
                text,
                channel_id,
                emotion,
                effort,
                author,
                prompt_id,
                stamp,
                stamp,
                item_key(text),
            ],
        )
        _attach_tags(db, entry_id, session_id, tags)
        db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [stamp, session_id])
    return get_entry(db, entry_id)


def _attach_tags(db: Database, entry_id: str, session_id: str, names: Iterable[str]) -> None:
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        rows = list(
            db.query(
                "SELECT t.id FROM tags t JOIN sessions s ON s.study_id = t.study_id "
                "WHERE s.id = ? AND t.name = ? COLLATE NOCASE",
                [session_id, name],
            )
        )
        if rows:
            tag_id = rows[0]["id"]
        else:
            tag_id = new_id()
            db.execute(
                "INSERT INTO tags (id, study_id, name) "
                "SELECT ?, study_id, ? FROM sessions WHERE id = ?",
                [tag_id, name, session_id],
            )
        db.execute(
            "INSERT OR IGNORE INTO entry_tags (entry_id, tag_id) VALUES (?, ?)", [entry_id, tag_id]
        )


def tag_entry(db: Database, entry_id: str, names: Sequence[str]) -> Entry:
    entry = get_entry(db, entry_id)
    with write(db):
        _attach_tags(db, entry_id, entry.session_id, names)
    return get_entry(db, entry_id)


def get_entry(db: Database, entry_id: str) -> Entry:
    entries = _entries(db, "e.id = ?", [entry_id], include_deleted=True)
    if not entries:
        raise NotFound(f"no entry with id {entry_id}")
    return entries[0]


def session_entries(db: Database, session_id: str, *, include_deleted: bool = False) -> list[Entry]:
    """A session's entries in the order they were captured."""
    return _entries(db, "e.session_id = ?", [session_id], include_deleted=include_deleted)


def last_entry(db: Database, session_id: str) -> Entry | None:
    """The session's most recent live entry: the one /undo and /edit act on."""
    rows = list(
        db.query(
            "SELECT id FROM entries WHERE session_id = ? AND deleted_at IS NULL "
            "ORDER BY created_at DESC, rowid DESC LIMIT 1",
            [session_id],
        )
    )
    return get_entry(db, rows[0]["id"]) if rows else None


def _entries(db: Database, where: str, params: list, *, include_deleted: bool) -> list[Entry]:
    if not include_deleted:
        where += " AND e.deleted_at IS NULL"
    columns = ", ".join("e." + c for c in _ENTRY_COLUMNS.split(", "))
    return [
        Entry(
            **{key: row[key] for key in _ENTRY_COLUMNS.split(", ")},
            tags=tuple(row["tags"].split("\x1f")) if row["tags"] else (),
        )
        for row in db.query(
            f"""
            SELECT {columns},
                (SELECT group_concat(name, char(31)) FROM (
                    SELECT t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
                    WHERE et.entry_id = e.id ORDER BY t.name COLLATE NOCASE)) AS tags
            FROM entries e WHERE {where}
            ORDER BY e.created_at, e.rowid
            """,
            params,
        )
    ]


def edit_entry(db: Database, entry_id: str, *, author: str | None = None, **changes) -> Entry:
    """Change fields of an entry; each changed field is appended to the `edits` log.
    `tags` (names) replaces the entry's tags, logged as one field, names joined by ';'."""
    tags = changes.pop("tags", None)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidValue(f"cannot edit {', '.join(sorted(unknown))}")
    before = get_entry(db, entry_id)
    _check(
        changes.get("lane", before.lane),
        changes.get("emotion", before.emotion),
        changes.get("effort", before.effort),
    )
    stamp = now()
    with write(db):
        for field, new in changes.items():
            old = getattr(before, field)
            if old == new:
                continue
            db.execute(
                f"UPDATE entries SET {field} = ?, updated_at = ? WHERE id = ?",
                [new, stamp, entry_id],
            )
            if field == "text":  # the item the entry counts under follows its text
                db.execute(
                    "UPDATE entries SET item_key = ? WHERE id = ?", [item_key(new), entry_id]
                )
            db.execute(
                "INSERT INTO edits (id, entry_id, field, old, new, author, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [new_id(), entry_id, field, old, new, author, stamp],
            )
        if tags is not None:
            new_tags = tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))
            if {t.casefold() for t in new_tags} != {t.casefold() for t in before.tags}:
                db.execute("DELETE FROM entry_tags WHERE entry_id = ?", [entry_id])
                _attach_tags(db, entry_id, before.session_id, new_tags)
                db.execute(
                    "INSERT INTO edits (id, entry_id, field, old, new, author, at) "
                    "VALUES (?, ?, 'tags', ?, ?, ?, ?)",
                    [new_id(), entry_id, ";".join(before.tags), ";".join(new_tags), author, stamp],
                )
        db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [stamp, before.session_id])
    return get_entry(db, entry_id)


def delete_entry(db: Database, entry_id: str, *, author: str | None = None) -> Entry:
    """Soft-delete: the entry stays in the file (and the edit log) but leaves every view."""
    return _set_deleted(db, entry_id, now(), author)


def restore_entry(db: Database, entry_id: str, *, author: str | None = None) -> Entry:
    return _set_deleted(db, entry_id, None, author)


def _set_deleted(db: Database, entry_id: str, deleted_at: str | None, author: str | None) -> Entry:
    before = get_entry(db, entry_id)
    stamp = now()
    with write(db):
        db.execute(
            "UPDATE entries SET deleted_at = ?, updated_at = ? WHERE id = ?",
            [deleted_at, stamp, entry_id],
        )
        db.execute(
            "INSERT INTO edits (id, entry_id, field, old, new, author, at) "
            "VALUES (?, ?, 'deleted_at', ?, ?, ?, ?)",
            [new_id(), entry_id, before.deleted_at, deleted_at, author, stamp],
        )
        db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [stamp, before.session_id])
    return get_entry(db, entry_id)


def edit_history(db: Database, entry_id: str) -> list[dict]:
    return list(
        db.query(
            "SELECT field, old, new, author, at FROM edits WHERE entry_id = ? ORDER BY at, rowid",
            [entry_id],
        )
    )
