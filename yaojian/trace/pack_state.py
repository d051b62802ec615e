"""The pack register: every identifier's latest state, kept up to date as events are captured.

The chain of a pack (:mod:`yaojian.trace.chain`) is the definition of what happened to it; it
replays every event on the pack and on the cases and pallets it sat in. Questions asked many
times a second — the public's "is this pack genuine, may I use it" — and questions about a
whole batch at once must not replay a history each time. So capture keeps, per identifier
(pack, case, pallet), what the chain would conclude, as the EU's medicines-verification
repositories keep one status per serial:

- product (GTIN / 药品标识码), lot and expiry from the earliest event naming it with ILMD,
  whether it was commissioned;
- the container it is in now and since when;
- the latest status (a key of :data:`yaojian.trace.chain.STATUS`: a disposition, or
  ``dispensed`` for a dispensing step) and the latest
  holder (enterprise of an event at a business location), each with the time and id of the
  event it comes from, twice over: from every event naming the identifier directly (``own``),
  and from the events that apply to what is inside it (naming it as ``epc`` or ``parent``:
  ``out``), exactly the split the chain makes.

A pack's state is then its own state, overtaken by what its containers saw after it went in
(:func:`effective`): one indexed read of at most ``MAX_DEPTH + 1`` rows. When a container is
emptied (aggregation DELETE), whatever it saw while the pack was inside is folded into the
pack's own row, so nothing is lost when the container is gone.

Events are applied in event-time order (ties by id, as the chain sorts). An event older than a
field's current value does not overwrite it, so late arrivals of ordinary events are harmless;
an aggregation that arrives after a later one for the same pack is resolved by time too, but a
packing that arrives after the pack was unpacked from a *later* container keeps the later state.
On PostgreSQL capture holds a transaction-level advisory lock while it reads and writes the
register, so two captures cannot both read a pack's old state and each write their own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from operator import attrgetter
from typing import Any

import polars as pl
import psycopg
from psycopg.copy import Copy, FileWriter
from sqlalchemy import Select, bindparam, literal, select, text
from sqlalchemy.orm import Session

from yaojian.db import any_of, epoch_us, is_postgres, list_param, read_frame, sqlite_time
from yaojian.trace.chain import DIRECT_ROLES, MAX_DEPTH, STATUS
from yaojian.trace.models import TracePackState

# pg_advisory_xact_lock key for the register ("trace_ps" as a number).
_REGISTER_LOCK = 0x74726163655F7073
_OUTER_ROLES = ("epc", "parent")
TABLE = "trace_pack_state"

Mark = tuple[dt.datetime, int]


@dataclass(slots=True)
class PackState:
    """One row of ``trace_pack_state`` (column for column)."""

    epc: str
    gtin: str | None = None
    cn_prefix: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    facts_at: dt.datetime | None = None
    facts_event: int | None = None
    maker_id: int | None = None  # the enterprise of that event: who commissioned the pack
    commissioned: bool = False
    # Packed into a second container while in a first, or packed after a later unpacking: the
    # register keeps one container, the chain keeps both windows, so ask the chain.
    ambiguous: bool = False
    parent: str | None = None
    packed_at: dt.datetime | None = None
    unpacked_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    own_status: str | None = None
    own_status_at: dt.datetime | None = None
    own_status_event: int | None = None
    own_holder_id: int | None = None
    own_holder_region: str | None = None
    own_holder_at: dt.datetime | None = None
    own_holder_event: int | None = None
    out_status: str | None = None
    out_status_at: dt.datetime | None = None
    out_status_event: int | None = None
    out_holder_id: int | None = None
    out_holder_region: str | None = None
    out_holder_at: dt.datetime | None = None
    out_holder_event: int | None = None


COLUMNS = tuple(f.name for f in fields(PackState))
# The row's values in column order (dataclasses.astuple deep-copies every value: 100× slower).
_values = attrgetter(*COLUMNS)
_TIMES = {c for c in COLUMNS if c.endswith("_at")}
_INTS = {c for c in COLUMNS if c.endswith(("_event", "_holder_id")) or c == "maker_id"}
_SCHEMA: dict[str, Any] = {
    c: pl.Datetime("us", "UTC") if c in _TIMES
    else pl.Int64 if c in _INTS
    else pl.Int64 if c in ("commissioned", "ambiguous")
    else pl.String
    for c in COLUMNS
}  # fmt: skip


@dataclass(slots=True)
class StateEvent:
    """What the register needs of a stored event: its columns and the identifiers it names.

    ``id`` may be set late: capture reads the register before its events are stored and have
    ids (see :class:`Register`)."""

    id: int
    time: dt.datetime
    event_type: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    biz_location: str | None
    enterprise_id: int | None
    region_code: str | None
    ilmd: Mapping[str, Any] | None
    epcs: Sequence[tuple[str, str, str | None, str | None]]  # epc, role, gtin, 药品标识码


@dataclass(frozen=True, slots=True)
class Seen:
    """A pack's state as its chain would conclude it."""

    status: str | None  # STATUS key of the latest status-bearing event, None if none
    status_mark: Mark | None
    holder_id: int | None
    holder_region: str | None
    holder_mark: Mark | None


def status_key(disposition: str | None, biz_step: str | None) -> str | None:
    """The key of :data:`~yaojian.trace.chain.STATUS` an event gives the chain's status: its
    disposition, else dispensing; None when it says nothing of the status."""
    if disposition in STATUS:
        return disposition
    if biz_step == "dispensing":
        return "dispensed"
    return None


def ilmd_value(ilmd: Any, name: str) -> str | None:
    """An ILMD attribute (``lotNumber``, ``itemExpirationDate``) under any prefix."""
    if not isinstance(ilmd, Mapping):
        return None
    for key, value in ilmd.items():
        if key.split(":")[-1].split("#")[-1] == name and isinstance(value, str | int):
            return str(value)
    return None


def _mark(at: dt.datetime | None, event: int | None) -> Mark | None:
    return (at, event or 0) if at is not None else None


def _later(candidate: Mark | None, current: Mark | None) -> bool:
    return candidate is not None and (current is None or candidate > current)


def seen_from_inside(
    states: Mapping[str, PackState], container: str | None, since: dt.datetime | None
) -> Seen:
    """What ``container`` and the containers around it saw from ``since`` on (their ``out``
    state), as it applies to something put inside at ``since``."""
    status: tuple[str | None, Mark | None] = (None, None)
    holder: tuple[int | None, str | None, Mark | None] = (None, None, None)
    node = states.get(container) if container else None
    lo = since
    for _ in range(MAX_DEPTH):
        if node is None or lo is None:
            break
        s_mark = _mark(node.out_status_at, node.out_status_event)
        if s_mark is not None and s_mark[0] >= lo and _later(s_mark, status[1]):
            status = (node.out_status, s_mark)
        h_mark = _mark(node.out_holder_at, node.out_holder_event)
        if h_mark is not None and h_mark[0] >= lo and _later(h_mark, holder[2]):
            holder = (node.out_holder_id, node.out_holder_region, h_mark)
        if node.parent is None or node.packed_at is None:
            break
        lo = max(lo, node.packed_at)
        node = states.get(node.parent)
    return Seen(status[0], status[1], holder[0], holder[1], holder[2])


def needs_chain(states: Mapping[str, PackState], epc: str) -> bool:
    """Whether the register cannot answer for ``epc`` (it or a container around it is
    ambiguous) and the pack's chain must be read instead."""
    node = states.get(epc)
    for _ in range(MAX_DEPTH + 1):
        if node is None:
            return False
        if node.ambiguous:
            return True
        node = states.get(node.parent) if node.parent else None
    return False


def effective(states: Mapping[str, PackState], epc: str) -> Seen | None:
    """The pack's status and holder: its own, overtaken by its containers' since it went in.
    None when no event ever named it."""
    state = states.get(epc)
    if state is None:
        return None
    own = Seen(
        state.own_status,
        _mark(state.own_status_at, state.own_status_event),
        state.own_holder_id,
        state.own_holder_region,
        _mark(state.own_holder_at, state.own_holder_event),
    )
    if state.parent is None:
        return own
    inside = seen_from_inside(states, state.parent, state.packed_at)
    status, s_mark = own.status, own.status_mark
    if _later(inside.status_mark, s_mark):
        status, s_mark = inside.status, inside.status_mark
    holder = (own.holder_id, own.holder_region, own.holder_mark)
    if _later(inside.holder_mark, own.holder_mark):
        holder = (inside.holder_id, inside.holder_region, inside.holder_mark)
    return Seen(status, s_mark, *holder)


class Register:
    """The rows an event batch touches, read once, changed in memory, written back once.

    In steps, so that capture can do the pure-Python ones while PostgreSQL is still taking in
    the batch's events (:func:`yaojian.trace.storage.insert_events`' ``after_…`` work):
    :meth:`open` (lock and read: before the events' COPY), :meth:`apply` (the events, once
    they have ids), :meth:`stage` (the rows to write, formatted for COPY) and :meth:`write`.
    :func:`advance` runs them one after the other.
    """

    def __init__(self, session: Session, events: Sequence[StateEvent]) -> None:
        self.session = session
        self.events = events
        self.states: dict[str, PackState] = {}
        self.inside: dict[str, set[str]] = {}
        self.changed: set[str] = set()
        self.stored: set[str] = set()  # identifiers the table already has a row for
        self._staged: tuple[bytes, bytes] | None = None

    @classmethod
    def open(cls, session: Session, events: Sequence[StateEvent]) -> Register:
        """Take the register lock and read the rows ``events`` touch (their ids may be unset)."""
        if is_postgres(session):
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REGISTER_LOCK})
        register = cls(session, events)
        register.load_for(events)
        return register

    def apply(self) -> None:
        """Apply the events, in event-time order (ties by id, as the chain sorts)."""
        for event in sorted(self.events, key=lambda e: (e.time, e.id)):
            self.apply_event(event)

    def stage(self) -> None:
        """Format the rows to write (PostgreSQL: COPY data for new rows and for changed ones)."""
        if not is_postgres(self.session):
            return
        rows = [self.states[epc] for epc in sorted(self.changed)]
        # Under the register lock, an identifier not read is not in the table: new rows are
        # copied straight in, and only the changed ones go through the upsert.
        self._staged = (
            _copy_data(self.session, [r for r in rows if r.epc not in self.stored]),
            _copy_data(self.session, [r for r in rows if r.epc in self.stored]),
        )

    def write(self) -> int:
        """Write the changed rows; returns how many."""
        if not self.changed:
            return 0
        if not is_postgres(self.session):
            _write_sqlite(self.session, [self.states[epc] for epc in sorted(self.changed)])
            return len(self.changed)
        if self._staged is None:
            self.stage()
        assert self._staged is not None
        _write_postgres(self.session, *self._staged)
        return len(self.changed)

    def _take(self, frame: pl.DataFrame) -> list[PackState]:
        taken = []
        for row in frame.iter_rows():
            state = PackState(*row)
            state.commissioned = bool(state.commissioned)
            state.ambiguous = bool(state.ambiguous)
            if state.expiry is not None:
                state.expiry = dt.date.fromisoformat(str(state.expiry))
            if state.epc not in self.states:
                self.states[state.epc] = state
                self.stored.add(state.epc)
                if state.parent:
                    self.inside.setdefault(state.parent, set()).add(state.epc)
                taken.append(state)
        return taken

    def load(self, column: str, values: Iterable[str]) -> list[PackState]:
        wanted = sorted(set(values) - (self.states.keys() if column == "epc" else set()))
        if not wanted:
            return []
        selected = ", ".join(
            epoch_us(self.session, c) if c in _TIMES
            else f"CAST({c} AS integer)" if c in ("commissioned", "ambiguous")
            else c
            for c in COLUMNS
        )  # fmt: skip
        frame = read_frame(
            self.session,
            f"SELECT {selected} FROM {TABLE} WHERE " + any_of(self.session, column, "wanted"),
            {"wanted": list_param(self.session, wanted)},
            _SCHEMA,
        )
        return self._take(frame)

    def load_for(self, events: Sequence[StateEvent]) -> None:
        named = {epc for e in events for epc, role, _, _ in e.epcs if role in DIRECT_ROLES}
        loaded = self.load("epc", named)
        # The containers around them (an unpacking folds in what they saw).
        for _ in range(MAX_DEPTH):
            loaded = self.load("epc", {s.parent for s in loaded if s.parent})
            if not loaded:
                break
        # Containers emptied without naming their contents: what is inside them now.
        emptied = {
            epc
            for e in events
            if e.event_type == "AggregationEvent" and e.action == "DELETE"
            and not any(role == "child" for _, role, _, _ in e.epcs)
            for epc, role, _, _ in e.epcs if role == "parent"
        }  # fmt: skip
        self.load("parent", emptied)

    def state(self, epc: str) -> PackState:
        state = self.states.get(epc)
        if state is None:
            state = self.states[epc] = PackState(epc)
        self.changed.add(epc)
        self._staged = None  # a change after stage() makes it stale
        return state

    def apply_event(self, e: StateEvent) -> None:
        mark: Mark = (e.time, e.id)
        aggregation = e.event_type == "AggregationEvent"
        parent = next((epc for epc, role, _, _ in e.epcs if role == "parent"), None)
        children = [epc for epc, role, _, _ in e.epcs if role == "child"]
        if aggregation and e.action == "DELETE" and parent is not None:
            leaving = children or sorted(self.inside.get(parent, ()))
            for child in leaving:
                self._unpack(child, parent, e.time)
        word = status_key(e.disposition, e.biz_step)
        holds = e.biz_location is not None and e.enterprise_id is not None
        lot = ilmd_value(e.ilmd, "lotNumber")
        expiry = ilmd_value(e.ilmd, "itemExpirationDate")
        commissions = e.biz_step == "commissioning" or e.action == "ADD"
        for epc, role, gtin, cn_prefix in e.epcs:
            if role not in DIRECT_ROLES:
                continue
            s = self.state(epc)
            s.gtin = s.gtin or gtin
            s.cn_prefix = s.cn_prefix or cn_prefix
            s.commissioned = s.commissioned or commissions
            if s.last_at is None or e.time > s.last_at:
                s.last_at = e.time
            # The earliest event with lot or expiry (the commissioning) gives them.
            facts = _mark(s.facts_at, s.facts_event)
            if (lot or expiry) and (facts is None or mark < facts):
                s.lot = lot
                s.expiry = dt.date.fromisoformat(expiry[:10]) if expiry else None
                s.facts_at, s.facts_event = mark
                s.maker_id = e.enterprise_id
            outer = role in _OUTER_ROLES
            if word is not None:
                if _later(mark, _mark(s.own_status_at, s.own_status_event)):
                    s.own_status, (s.own_status_at, s.own_status_event) = word, mark
                if outer and _later(mark, _mark(s.out_status_at, s.out_status_event)):
                    s.out_status, (s.out_status_at, s.out_status_event) = word, mark
            if holds:
                if _later(mark, _mark(s.own_holder_at, s.own_holder_event)):
                    s.own_holder_id, s.own_holder_region = e.enterprise_id, e.region_code
                    s.own_holder_at, s.own_holder_event = mark
                if outer and _later(mark, _mark(s.out_holder_at, s.out_holder_event)):
                    s.out_holder_id, s.out_holder_region = e.enterprise_id, e.region_code
                    s.out_holder_at, s.out_holder_event = mark
        if aggregation and e.action == "ADD" and parent is not None:
            for child in children:
                self._pack(child, parent, e.time)

    def _pack(self, child: str, parent: str, when: dt.datetime) -> None:
        s = self.state(child)
        if s.parent == parent:
            return  # packed again into what it is already in: the first packing stands
        if s.unpacked_at is not None and when < s.unpacked_at:
            s.ambiguous = True  # a packing older than its latest unpacking
            return
        if s.parent is not None:
            s.ambiguous = True  # in two containers at once
            self.inside.get(s.parent, set()).discard(child)
        s.parent, s.packed_at = parent, when
        self.inside.setdefault(parent, set()).add(child)

    def _unpack(self, child: str, parent: str, when: dt.datetime) -> None:
        s = self.states.get(child)
        if s is None or s.parent != parent or s.packed_at is None or s.packed_at > when:
            return
        s = self.state(child)
        seen = seen_from_inside(self.states, parent, s.packed_at)
        # What the container saw while the pack was in it stays with the pack (both sides).
        if seen.status_mark is not None:
            at, event = seen.status_mark
            if _later(seen.status_mark, _mark(s.own_status_at, s.own_status_event)):
                s.own_status, s.own_status_at, s.own_status_event = seen.status, at, event
            if _later(seen.status_mark, _mark(s.out_status_at, s.out_status_event)):
                s.out_status, s.out_status_at, s.out_status_event = seen.status, at, event
        if seen.holder_mark is not None:
            at, event = seen.holder_mark
            holder, region = seen.holder_id, seen.holder_region
            if _later(seen.holder_mark, _mark(s.own_holder_at, s.own_holder_event)):
                s.own_holder_id, s.own_holder_region = holder, region
                s.own_holder_at, s.own_holder_event = at, event
            if _later(seen.holder_mark, _mark(s.out_holder_at, s.out_holder_event)):
                s.out_holder_id, s.out_holder_region = holder, region
                s.out_holder_at, s.out_holder_event = at, event
        s.parent, s.unpacked_at = None, when
        self.inside.get(parent, set()).discard(child)


def advance(session: Session, events: Sequence[StateEvent]) -> int:
    """Apply newly stored events to the register; returns how many identifiers changed."""
    if not events:
        return 0
    register = Register.open(session, events)
    register.apply()
    return register.write()


def _copy_data(session: Session, rows: Sequence[PackState]) -> bytes:
    """``rows`` as COPY text data, formatted without a statement running (psycopg FileWriter)."""
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    data = io.BytesIO()
    with Copy(raw.cursor(), writer=FileWriter(data)) as copy:
        for row in rows:
            copy.write_row(_values(row))
    return data.getvalue()


def _write_postgres(session: Session, new: bytes, changed: bytes) -> None:
    raw = session.connection().connection.driver_connection
    assert raw is not None
    columns = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
    with raw.cursor() as cursor:
        if new:
            with cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy:
                copy.write(new)
        if not changed:
            return
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS _pack_state_in (LIKE {TABLE}) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE _pack_state_in")
        with cursor.copy(f"COPY _pack_state_in ({columns}) FROM STDIN") as copy:
            copy.write(changed)
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM _pack_state_in "
            f"ON CONFLICT (epc) DO UPDATE SET {updates}"
        )


def _write_sqlite(session: Session, rows: Sequence[PackState]) -> None:
    raw = session.connection().connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    cursor.executemany(
        f"INSERT OR REPLACE INTO {TABLE} ({', '.join(COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in COLUMNS)})",
        [tuple(_sqlite_value(v) for v in _values(row)) for row in rows],
    )
    cursor.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return sqlite_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# Reading


def around(start: Select[Any]) -> Select[Any]:
    """The register rows of the identifiers ``start`` selects (one column, ``epc``) and of
    every container around them, walked up the ``parent`` column in one recursive statement."""
    table = TracePackState.__table__
    up = select(start.subquery().c.epc, literal(0).label("depth")).cte("up", recursive=True)
    up = up.union_all(
        select(table.c.parent, (up.c.depth + 1).label("depth"))
        .join(up, table.c.epc == up.c.epc)
        .where(table.c.parent.is_not(None), up.c.depth < MAX_DEPTH)
    )
    return select(*(table.c[c] for c in COLUMNS)).where(table.c.epc.in_(select(up.c.epc)))


@lru_cache(maxsize=1)
def _around_statement() -> Select[Any]:
    """Built once: :func:`around` the identifiers bound to ``:epcs``."""
    table = TracePackState.__table__
    return around(select(table.c.epc).where(table.c.epc.in_(bindparam("epcs", expanding=True))))


def read_states(session: Session, epcs: Iterable[str]) -> dict[str, PackState]:
    """The rows of ``epcs`` and of every container around them, by identifier (one read)."""
    rows = session.execute(_around_statement(), {"epcs": sorted(set(epcs))})
    return {row[0]: PackState(*row) for row in rows}


# ---------------------------------------------------------------------------------------------
# Rebuilding from the stored events (migration, bulk loads)


def stored_events(session: Session, chunk: int = 20_000) -> Iterator[list[StateEvent]]:
    """Every stored event in event-time order, ``chunk`` at a time, as the register reads them."""
    after: tuple[dt.datetime, int] | None = None
    event_schema: dict[str, Any] = {
        "id": pl.Int64, "t": pl.Datetime("us", "UTC"), "event_type": pl.String,
        "action": pl.String, "biz_step": pl.String, "disposition": pl.String,
        "biz_location": pl.String, "enterprise_id": pl.Int64, "region_code": pl.String,
        "ilmd": pl.String,
    }  # fmt: skip
    while True:
        where = "" if after is None else "WHERE (event_time > :t OR (event_time = :t AND id > :i))"
        ilmd = "CAST(ilmd AS text)" if is_postgres(session) else "ilmd"
        events = read_frame(
            session,
            f"SELECT id, {epoch_us(session, 'event_time')}, event_type, action, biz_step, "
            f"disposition, biz_location, enterprise_id, region_code, {ilmd} FROM trace_event "
            f"{where} ORDER BY event_time, id LIMIT {int(chunk)}",
            {} if after is None else {"t": after[0], "i": after[1]},
            event_schema,
        )
        if events.is_empty():
            return
        epcs = read_frame(
            session,
            "SELECT event_id, epc, role, gtin, cn_prefix FROM trace_event_epc "
            "WHERE event_time BETWEEN :lo AND :hi AND "
            + any_of(session, "event_id", "ids", "bigint"),
            {
                "lo": events["t"].min(),
                "hi": events["t"].max(),
                "ids": list_param(session, events["id"].to_list()),
            },
            {"event_id": pl.Int64, "epc": pl.String, "role": pl.String, "gtin": pl.String,
             "cn_prefix": pl.String},
        )  # fmt: skip
        named: dict[int, list[tuple[str, str, str | None, str | None]]] = {}
        for event_id, epc, role, gtin, prefix in epcs.iter_rows():
            named.setdefault(event_id, []).append((epc, role, gtin, prefix))
        batch = [
            StateEvent(
                id=i, time=t, event_type=kind, action=action, biz_step=step,
                disposition=disposition, biz_location=location, enterprise_id=owner,
                region_code=region, ilmd=json.loads(body) if body else None,
                epcs=named.get(i, []),
            )
            for i, t, kind, action, step, disposition, location, owner, region, body
            in events.iter_rows()
        ]  # fmt: skip
        yield batch
        last = batch[-1]
        after = (last.time, last.id)


def rebuild(session: Session, chunk: int = 20_000) -> int:
    """Empty the register and replay every stored event into it; returns the events read."""
    session.execute(text(f"DELETE FROM {TABLE}"))
    read = 0
    for batch in stored_events(session, chunk):
        advance(session, batch)
        read += len(batch)
    return read
