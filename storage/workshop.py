"""Workshop actions on the map: dot-votes per session, themes (grouped items), and links
from opportunities to the pains they answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from journey.storage.connection import new_id, now, write
from journey.storage.errors import InvalidValue, NotFound

# The entry a map item is keyed by (its earliest), for the agg_entry_keys row `k` of any
# of its entries: the map, votes on items and links all name an item this way.
_ITEM_KEY_ENTRY = """(SELECT f.entry_id FROM agg_entry_keys f
    WHERE f.stage_id = {k}.stage_id AND f.lane = {k}.lane AND f.key = {k}.key
    ORDER BY f.first LIMIT 1)"""


def vote(db: Database, entry_id: str, session_id: str, delta: int) -> int:
    """Add `delta` (+1 or -1) to the votes this session gave the entry (never below zero);
    returns the entry's total votes, which `entries.votes` also holds."""
    stamp = now()
    with write(db):
        live = db.conn.execute(
            "SELECT deleted_at IS NULL FROM entries WHERE id = ?", [entry_id]
        ).fetchone()
        if live is None:
            raise NotFound(f"no entry with id {entry_id}")
        if not live[0]:
            raise InvalidValue("that item was deleted; it takes no votes")
        row = db.conn.execute(
            "SELECT votes FROM votes WHERE entry_id = ? AND session_id = ?", [entry_id, session_id]
        ).fetchone()
        before = row[0] if row else 0
        mine = max(0, before + delta)
        db.conn.execute(
            "INSERT INTO votes (entry_id, session_id, votes, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (entry_id, session_id) DO UPDATE SET votes = excluded.votes, "
            "updated_at = excluded.updated_at",
            [entry_id, session_id, mine, stamp],
        )
        # Only this session's change moves the total: votes an entry already carries
        # (imported, merged, or from the demo) have no rows in `votes` and must stay.
        db.conn.execute(
            "UPDATE entries SET votes = max(0, votes + ?), updated_at = ? WHERE id = ?",
            [mine - before, stamp, entry_id],
        )
        total = db.conn.execute("SELECT votes FROM entries WHERE id = ?", [entry_id]).fetchone()[0]
        db.conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", [stamp, session_id])
    return int(total)


def vote_item(db: Database, item_entry_id: str, session_id: str, delta: int) -> int:
    """Vote on a map item (keyed by its earliest entry): +1 goes to that entry; -1 takes
    back this session's latest vote on any entry of the item (a /up on a sticky that the
    map groups under an older entry). Returns the total of the entry that changed."""
    if delta > 0:
        return vote(db, item_entry_id, session_id, delta)
    row = db.conn.execute(
        """
        SELECT v.entry_id FROM agg_entry_keys item
        JOIN agg_entry_keys k
            ON k.stage_id = item.stage_id AND k.lane = item.lane AND k.key = item.key
        JOIN votes v ON v.entry_id = k.entry_id AND v.session_id = ? AND v.votes > 0
        WHERE item.entry_id = ?
        ORDER BY v.updated_at DESC, v.entry_id LIMIT 1
        """,
        [session_id, item_entry_id],
    ).fetchone()
    if row is None:
        raise InvalidValue("this workshop has given that item no votes to take back")
    return vote(db, row[0], session_id, delta)


def session_votes(db: Database, session_id: str) -> dict[str, int]:
    """Entry id -> votes given by one (workshop) session, on entries not deleted."""
    return {
        row[0]: row[1]
        for row in db.conn.execute(
            "SELECT v.entry_id, v.votes FROM votes v JOIN entries e ON e.id = v.entry_id "
            "WHERE v.session_id = ? AND v.votes > 0 AND e.deleted_at IS NULL",
            [session_id],
        )
    }


def session_item_votes(db: Database, session_id: str, stage_id: str, lane: str) -> dict[str, int]:
    """The votes one session gave each map item of a cell, whichever of the item's
    entries they went to, keyed as the map keys items: by the item's earliest entry."""
    return {
        row[0]: row[1]
        for row in db.conn.execute(
            f"""
            SELECT {_ITEM_KEY_ENTRY.format(k="k")}, sum(v.votes)
            FROM votes v JOIN agg_entry_keys k ON k.entry_id = v.entry_id
            WHERE v.session_id = ? AND k.stage_id = ? AND k.lane = ? AND v.votes > 0
            GROUP BY k.key
            """,
            [session_id, stage_id, lane],
        )
    }


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    entry_ids: tuple[str, ...]


def group_entries(
    db: Database,
    study_id: str,
    entry_ids: Sequence[str],
    title: str,
    author: str | None = None,
    session_id: str | None = None,
) -> Theme:
    """Make two or more entries one theme; the originals stay, each pointing at it.
    `session_id`: the workshop that grouped them."""
    ids = list(dict.fromkeys(entry_ids))
    if len(ids) < 2:
        raise InvalidValue("grouping needs at least two items")
    title = title.strip()
    if not title:
        raise InvalidValue("a theme needs a title")
    theme_id = new_id()
    stamp = now()
    marks = ", ".join("?" for _ in ids)
    with write(db):
        found = db.conn.execute(
            f"SELECT count(*) FROM entries e JOIN stages st ON st.id = e.stage_id "
            f"WHERE e.id IN ({marks}) AND st.study_id = ? AND e.deleted_at IS NULL",
            [*ids, study_id],
        ).fetchone()[0]
        if found != len(ids):
            raise NotFound("some of those items were deleted or are not in this study")
        db.conn.execute(
            "INSERT INTO themes (id, study_id, title, author, created_at, updated_at, "
            "session_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [theme_id, study_id, title, author, stamp, stamp, session_id],
        )
        db.conn.execute(
            f"UPDATE entries SET theme_id = ?, updated_at = ? WHERE id IN ({marks})",
            [theme_id, stamp, *ids],
        )
    return Theme(theme_id, title, tuple(ids))


def ungroup(db: Database, theme_id: str) -> int:
    """Undo a grouping: the theme is marked deleted and its items stand alone again."""
    stamp = now()
    with write(db):
        changed = db.conn.execute(
            "UPDATE themes SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
            [stamp, stamp, theme_id],
        ).rowcount
        if not changed:
            raise NotFound("no such theme (already ungrouped?)")
        return db.conn.execute(
            "UPDATE entries SET theme_id = NULL, updated_at = ? WHERE theme_id = ?",
            [stamp, theme_id],
        ).rowcount


def link(
    db: Database,
    opportunity_id: str,
    pain_ids: Sequence[str],
    author: str | None = None,
    session_id: str | None = None,
) -> int:
    """Point an opportunity at the pains it answers; returns how many links are new."""
    stamp = now()
    added = 0
    with write(db):
        _check_link_ends(db, opportunity_id, pain_ids)
        for pain_id in pain_ids:
            added += _insert_link(db, opportunity_id, pain_id, author, stamp, session_id)
    return added


def _insert_link(
    db: Database,
    opportunity_id: str,
    pain_id: str,
    author: str | None,
    stamp: str,
    session_id: str | None,
) -> int:
    """One link inside the caller's write; 0 when it was there already."""
    return db.conn.execute(
        "INSERT OR IGNORE INTO entry_links (opportunity_id, pain_id, author, created_at, "
        "session_id) VALUES (?, ?, ?, ?, ?)",
        [opportunity_id, pain_id, author, stamp, session_id],
    ).rowcount


def _check_link_ends(db: Database, opportunity_id: str, pain_ids: Sequence[str]) -> None:
    """Refuse (InvalidValue) a link that is not from a live opportunity to live pains of
    its own study."""
    ids = [opportunity_id, *pain_ids]
    found = {
        row[0]: row[1:]
        for row in db.conn.execute(
            "SELECT e.id, e.lane, st.study_id, e.deleted_at IS NULL FROM entries e "
            "JOIN stages st ON st.id = e.stage_id "
            f"WHERE e.id IN ({', '.join('?' for _ in ids)})",
            ids,
        )
    }
    if opportunity_id not in found or found[opportunity_id][0] != "opportunity":
        raise InvalidValue("only an opportunity can be linked to pains")
    _, study_id, _ = found[opportunity_id]
    for entry_id in ids:
        if entry_id in found and not found[entry_id][2]:
            raise InvalidValue("a deleted item cannot be linked")
    for pain_id in pain_ids:
        if pain_id not in found or found[pain_id][0] != "pain":
            raise InvalidValue("an opportunity can only point at pains")
        if found[pain_id][1] != study_id:
            raise InvalidValue("an opportunity can only point at pains of its own study")


def unlink(db: Database, opportunity_id: str, pain_id: str) -> None:
    with write(db):
        db.conn.execute(
            "DELETE FROM entry_links WHERE opportunity_id = ? AND pain_id = ?",
            [opportunity_id, pain_id],
        )


def _item_links(db: Database, opportunity_id: str) -> dict[str, list[tuple[str, str]]]:
    """The links of the map item `opportunity_id` belongs to (from any of its entries) to
    live pain items of its study (to any of their entries): for each pain item, keyed by
    its earliest entry as the map keys items, the (opportunity, pain) entry pairs."""
    linked: dict[str, list[tuple[str, str]]] = {}
    for item, opportunity, pain in db.conn.execute(
        f"""
        SELECT {_ITEM_KEY_ENTRY.format(k="p")}, l.opportunity_id, l.pain_id
        FROM agg_entry_keys item
        JOIN agg_entry_keys o
            ON o.stage_id = item.stage_id AND o.lane = item.lane AND o.key = item.key
        JOIN entry_links l ON l.opportunity_id = o.entry_id
        JOIN agg_entry_keys p ON p.entry_id = l.pain_id AND p.lane = 'pain'
        JOIN stages ost ON ost.id = item.stage_id
        JOIN stages pst ON pst.id = p.stage_id AND pst.study_id = ost.study_id
        WHERE item.entry_id = ?
        ORDER BY l.opportunity_id, l.pain_id
        """,
        [opportunity_id],
    ):
        linked.setdefault(item, []).append((opportunity, pain))
    return linked


def linked_pains(db: Database, opportunity_id: str) -> set[str]:
    """The pain items that the map item of `opportunity_id` answers: any link from any of
    its entries to any entry of a live pain item of its study counts. Each pain item is
    keyed as the map keys items (and `set_links` takes them): by its earliest entry."""
    return set(_item_links(db, opportunity_id))


def set_links(
    db: Database,
    opportunity_id: str,
    pain_ids: Sequence[str],
    author: str | None = None,
    session_id: str | None = None,
) -> tuple[int, int]:
    """Make the pains that the map item of `opportunity_id` answers exactly the pain items
    of `pain_ids` (any entry of an item stands for the item), in one write transaction.

    A pain item not linked yet gets its link from `opportunity_id`: to every entry of a
    theme (the theme is what is linked, and ungrouping it leaves each member linked),
    else to the entry given for it (the first, when several of one item are given); an
    item linked already is left as it is, whichever entries its links join. A pain item
    of the study that is linked (from any entry of the opportunity's item) but not in
    `pain_ids` loses every such link. Links to deleted entries or other studies' pains
    are left alone.

    Refused with InvalidValue, writing nothing, as `link` refuses: an `opportunity_id`
    that is not a live opportunity, a pain that is deleted, not a pain, or another
    study's. Returns (added, removed): how many pain items were linked, and unlinked."""
    stamp = now()
    given = list(dict.fromkeys(pain_ids))
    with write(db):
        _check_link_ends(db, opportunity_id, given)
        marks = ", ".join("?" for _ in given)
        item_of = dict(
            db.conn.execute(
                f"""
                SELECT k.entry_id, {_ITEM_KEY_ENTRY.format(k="k")}
                FROM agg_entry_keys k WHERE k.entry_id IN ({marks})
                """,
                given,
            ).fetchall()
        )
        wanted: dict[str, str] = {}  # pain item (its earliest entry) -> the entry to link
        for pain_id in given:
            wanted.setdefault(item_of[pain_id], pain_id)
        linked = _item_links(db, opportunity_id)
        added = removed = 0
        for item, pain_id in wanted.items():
            if item not in linked:
                for target in _theme_members_of(db, pain_id) or [pain_id]:
                    _insert_link(db, opportunity_id, target, author, stamp, session_id)
                added += 1
        for item, pairs in linked.items():
            if item not in wanted:
                db.conn.executemany(
                    "DELETE FROM entry_links WHERE opportunity_id = ? AND pain_id = ?", pairs
                )
                removed += 1
    return added, removed


def _theme_members_of(db: Database, entry_id: str) -> list[str]:
    """The live entries of the theme `entry_id` belongs to; empty when it is in none."""
    return [
        row[0]
        for row in db.conn.execute(
            """
            SELECT m.id FROM entries e
            JOIN themes th ON th.id = e.theme_id AND th.deleted_at IS NULL
            JOIN entries m ON m.theme_id = th.id AND m.deleted_at IS NULL
            WHERE e.id = ? ORDER BY m.created_at, m.rowid
            """,
            [entry_id],
        )
    ]


# An item's entry as the map keys it (its earliest), from its agg_items row `i`.
_ITEM_ENTRY = "substr({i}.first, instr({i}.first, char(31)) + 1)"


@dataclass(frozen=True)
class Link:
    """An opportunity item and a pain item it answers, each keyed by its earliest entry
    and shown as the map shows it (a theme's title, or the item's text)."""

    opportunity_id: str
    opportunity: str
    pain_id: str
    pain: str


def study_links(db: Database, study_id: str, session_id: str | None = None) -> list[Link]:
    """Every opportunity item -> pain item link of a study between live items (with
    `session_id`, only those a workshop made), once per pair of items."""
    return [
        Link(*row)
        for row in db.conn.execute(
            f"""
            SELECT DISTINCT {_ITEM_ENTRY.format(i="oi")}, oi.label,
                {_ITEM_ENTRY.format(i="pi")}, pi.label
            FROM entry_links l
            JOIN agg_entry_keys o ON o.entry_id = l.opportunity_id
            JOIN agg_entry_keys p ON p.entry_id = l.pain_id AND p.lane = 'pain'
            JOIN agg_items oi ON oi.stage_id = o.stage_id AND oi.lane = o.lane AND oi.key = o.key
            JOIN agg_items pi ON pi.stage_id = p.stage_id AND pi.lane = p.lane AND pi.key = p.key
            JOIN stages ost ON ost.id = o.stage_id
            JOIN stages pst ON pst.id = p.stage_id AND pst.study_id = ost.study_id
            WHERE ost.study_id = ? AND (? IS NULL OR l.session_id = ?)
            ORDER BY oi.first, pi.first
            """,
            [study_id, session_id, session_id],
        )
    ]


def item_links(db: Database, study_id: str) -> dict[str, tuple[str, ...]]:
    """Opportunity item (its earliest entry) -> the pain items it answers, as shown."""
    links: dict[str, tuple[str, ...]] = {}
    for found in study_links(db, study_id):
        links[found.opportunity_id] = (*links.get(found.opportunity_id, ()), found.pain)
    return links


def item_entries(db: Database, item_entry_id: str) -> list[str]:
    """Every live entry of the map item `item_entry_id` belongs to (same stage, lane and
    item key, or the same theme), in the order they were made: what grouping takes."""
    return [
        row[0]
        for row in db.conn.execute(
            """
            SELECT k.entry_id FROM agg_entry_keys item
            JOIN agg_entry_keys k
                ON k.stage_id = item.stage_id AND k.lane = item.lane AND k.key = item.key
            WHERE item.entry_id = ? ORDER BY k.first
            """,
            [item_entry_id],
        )
    ]


@dataclass(frozen=True)
class ThemeSummary:
    id: str
    title: str
    members: int


def session_themes(db: Database, session_id: str) -> list[ThemeSummary]:
    """The live themes a workshop made, with how many entries each groups."""
    return [
        ThemeSummary(*row)
        for row in db.conn.execute(
            """
            SELECT th.id, th.title, (SELECT count(*) FROM entries e
                WHERE e.theme_id = th.id AND e.deleted_at IS NULL)
            FROM themes th WHERE th.session_id = ? AND th.deleted_at IS NULL
            ORDER BY th.created_at, th.id
            """,
            [session_id],
        )
    ]


@dataclass(frozen=True)
class ThemeMember:
    id: str
    text: str


def theme_entries(db: Database, theme_id: str) -> list[ThemeMember]:
    return [
        ThemeMember(row[0], row[1])
        for row in db.conn.execute(
            "SELECT id, text FROM entries WHERE theme_id = ? AND deleted_at IS NULL "
            "ORDER BY created_at, rowid",
            [theme_id],
        )
    ]


def item_labels(db: Database, entry_ids: Sequence[str]) -> dict[str, str]:
    """How the map shows the item each entry belongs to: a theme's title, or the first of
    the item's spellings (a vote on a whole item is kept on the item's earliest entry)."""
    if not entry_ids:
        return {}
    marks = ", ".join("?" for _ in entry_ids)
    return dict(
        db.conn.execute(
            f"""
            SELECT k.entry_id, i.label FROM agg_entry_keys k
            JOIN agg_items i ON i.stage_id = k.stage_id AND i.lane = k.lane AND i.key = k.key
            WHERE k.entry_id IN ({marks})
            """,
            list(entry_ids),
        ).fetchall()
    )
