"""Every pack of a batch with its holder and status, computed for all the packs at once.

The rules are those of a pack's chain (:mod:`yaojian.trace.chain`) — an event on a container
applies to every pack inside it between the packing and the unpacking, containers nest up to
``MAX_DEPTH``, the holder is the enterprise of the latest event at a business location, the
status comes from the latest disposition — but applied to a whole batch level by level, with a
handful of set queries read straight into Polars and joins in place of loops. A recall of a
100,000-pack batch therefore costs a few queries, not a chain per pack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from yaojian.db import any_of, epoch_us, list_param, read_frame
from yaojian.trace.chain import DIRECT_ROLES, MAX_DEPTH, STATUS

_TIME = pl.Datetime("us", "UTC")
_ROW_SCHEMA: dict[str, Any] = {
    "epc": pl.String,
    "role": pl.String,
    "id": pl.Int64,
    "t": _TIME,
    "rt": _TIME,
    "event_type": pl.String,
    "action": pl.String,
    "biz_step": pl.String,
    "disposition": pl.String,
    "biz_location": pl.String,
    "enterprise_id": pl.Int64,
}
_STEP_COLUMNS = ["pack", "id", "t", "rt", "biz_step", "disposition", "biz_location",
                 "enterprise_id"]  # fmt: skip
_EARLIEST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def _rows(session: Session, codes: Sequence[str]) -> pl.DataFrame:
    """Every row naming one of ``codes`` in a direct role, with its event's columns.

    Two reads joined in Polars rather than one join in SQL: given many codes, PostgreSQL plans
    the join as a hash join over every partition of the event table; read by id within the
    rows' time span, the events come from the key index of the partitions that span covers.
    """
    if not codes:
        return pl.DataFrame(schema=_ROW_SCHEMA)
    roles = ", ".join(f"'{r}'" for r in DIRECT_ROLES)
    naming = read_frame(
        session,
        f"SELECT x.epc, x.role, x.event_id, {epoch_us(session, 'x.event_time')} "
        f"FROM trace_event_epc x WHERE x.role IN ({roles}) AND "
        + any_of(session, "x.epc", "codes"),
        {"codes": list_param(session, codes)},
        {"epc": pl.String, "role": pl.String, "id": pl.Int64, "t": _TIME},
    )
    if naming.is_empty():
        return pl.DataFrame(schema=_ROW_SCHEMA)
    events = read_frame(
        session,
        f"SELECT e.id, {epoch_us(session, 'e.event_time')}, {epoch_us(session, 'e.record_time')}, "
        "e.event_type, e.action, e.biz_step, e.disposition, e.biz_location, e.enterprise_id "
        "FROM trace_event e WHERE e.event_time BETWEEN :lo AND :hi AND "
        + any_of(session, "e.id", "ids", "bigint"),
        {
            "lo": naming["t"].min(),
            "hi": naming["t"].max(),
            "ids": list_param(session, naming["id"].unique().sort().to_list()),
        },
        {name: _ROW_SCHEMA[name] for name in _ROW_SCHEMA if name not in ("epc", "role")},
    )
    return naming.join(events, on=["id", "t"]).select(list(_ROW_SCHEMA))


def _named(session: Session, event_ids: Sequence[int], role: str) -> pl.DataFrame:
    """(event id, identifier) the events name in ``role``."""
    schema = {"event": pl.Int64, "named": pl.String}
    if not event_ids:
        return pl.DataFrame(schema=schema)
    sql = "SELECT x.event_id, x.epc FROM trace_event_epc x WHERE x.role = :role AND " + any_of(
        session, "x.event_id", "ids", "bigint"
    )
    return read_frame(session, sql, {"role": role, "ids": list_param(session, event_ids)}, schema)


def _aggregation(frame: pl.DataFrame, role: str, action: str) -> pl.DataFrame:
    return frame.filter(
        (pl.col("role") == role)
        & (pl.col("event_type") == "AggregationEvent")
        & (pl.col("action") == action)
    )


def _spans(session: Session, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(item, container, packed, unpacked) for the packings in ``rows``, and the containers' rows.

    A span ends at the first unpacking (DELETE naming the container) at or after the packing
    that names the item as a child or names no child at all.
    """
    adds = _aggregation(rows, "child", "ADD").select(
        item="epc", add="id", packed="t"
    ).unique()  # fmt: skip
    parents = (
        _named(session, adds["add"].unique().to_list(), "parent")
        .unique("event", keep="first")
        .rename({"event": "add", "named": "container"})
    )
    spans = adds.join(parents, on="add")
    container_rows = _rows(session, spans["container"].unique().to_list())
    deletes = _aggregation(container_rows, "parent", "DELETE").select(
        container="epc", delete="id", unpacked="t"
    ).unique()  # fmt: skip
    removed = _named(session, deletes["delete"].unique().to_list(), "child")
    with_children = removed.select(delete="event").unique().with_columns(named_children=True)
    hits = removed.select(delete="event", item="named").unique().with_columns(hit=True)
    ends = (
        spans.join(deletes, on="container")
        .filter(pl.col("unpacked") >= pl.col("packed"))
        .join(with_children, on="delete", how="left")
        .join(hits, on=["delete", "item"], how="left")
        .filter(~pl.col("named_children").fill_null(False) | pl.col("hit").fill_null(False))
        .group_by("item", "container", "packed")
        .agg(pl.col("unpacked").min())
    )
    spans = spans.join(ends, on=["item", "container", "packed"], how="left").with_columns(
        pl.col("unpacked").fill_null(_LATEST)
    )
    return spans.select("item", "container", "packed", "unpacked"), container_rows


def pack_steps(session: Session, packs: Sequence[str]) -> pl.DataFrame:
    """Every event that happened to each pack (``pack`` column), directly or to a container."""
    rows = _rows(session, packs)
    steps = [rows.rename({"epc": "pack"}).select(_STEP_COLUMNS)]
    window = pl.DataFrame({"pack": packs, "item": packs}, schema={"pack": pl.String,
                          "item": pl.String}).with_columns(
        lo=pl.lit(_EARLIEST, _TIME), hi=pl.lit(_LATEST, _TIME)
    )  # fmt: skip
    for _ in range(MAX_DEPTH):
        if rows.is_empty():
            break
        spans, container_rows = _spans(session, rows)
        if spans.is_empty():
            break
        window = (
            window.join(spans, on="item")
            .select(
                "pack",
                item="container",
                lo=pl.max_horizontal("lo", "packed"),
                hi=pl.min_horizontal("hi", "unpacked"),
            )
            .filter(pl.col("lo") < pl.col("hi"))
        )
        inherited = (
            container_rows.filter(pl.col("role").is_in(["epc", "parent"]))
            .join(window, left_on="epc", right_on="item")
            .filter((pl.col("t") >= pl.col("lo")) & (pl.col("t") < pl.col("hi")))
        )
        steps.append(inherited.select(_STEP_COLUMNS))
        rows = container_rows.filter(pl.col("epc").is_in(window["item"].unique().implode()))
    return pl.concat(steps).unique(["pack", "id"]).sort("pack", "t", "id")


def pack_states(
    session: Session,
    makers: dict[str, int | None],
    at: dt.datetime,
    return_dispositions: frozenset[str],
    return_steps: frozenset[str],
) -> pl.DataFrame:
    """Per pack: holder and status as the events known at ``at`` show them, and whether an
    event recorded or happening after ``at`` returned it (a return disposition, or a return
    step at the enterprise that commissioned it).

    Columns: pack, maker_id, holder_id, status, returned.
    """
    packs = sorted(makers)
    steps = pack_steps(session, packs)
    words = pl.DataFrame(
        {"disposition": list(STATUS), "word": [w for w, _ in STATUS.values()]},
        schema={"disposition": pl.String, "word": pl.String},
    )
    steps = (
        steps.join(words, on="disposition", how="left")
        .with_columns(
            word=pl.coalesce(
                "word", pl.when(pl.col("biz_step") == "dispensing").then(pl.lit("dispensed"))
            )
        )
        .sort("pack", "t", "id")  # the aggregations below take the latest of each pack
    )
    known = steps.filter(pl.col("rt") < at)
    holders = (
        known.filter(pl.col("biz_location").is_not_null() & pl.col("enterprise_id").is_not_null())
        .group_by("pack")
        .agg(holder_id=pl.col("enterprise_id").last())
    )
    status = known.group_by("pack").agg(status=pl.col("word").drop_nulls().last())
    base = pl.DataFrame(
        {"pack": packs, "maker_id": [makers[p] for p in packs]},
        schema={"pack": pl.String, "maker_id": pl.Int64},
    )
    returned = (
        steps.join(base, on="pack")
        .filter(
            ((pl.col("rt") >= at) | (pl.col("t") >= at))
            & (
                pl.col("disposition").is_in(sorted(return_dispositions))
                | (
                    pl.col("biz_step").is_in(sorted(return_steps))
                    & (pl.col("enterprise_id") == pl.col("maker_id"))
                )
            )
        )
        .select("pack")
        .unique()
        .with_columns(returned=True)
    )
    seen = known.select("pack").unique().with_columns(seen=True)
    return (
        base.join(holders, on="pack", how="left")
        .join(status, on="pack", how="left")
        .join(seen, on="pack", how="left")
        .join(returned, on="pack", how="left")
        .with_columns(
            status=pl.when(pl.col("status").is_not_null())
            .then("status")
            .when(pl.col("seen").fill_null(False))
            .then(pl.lit("active"))
            .otherwise(pl.lit("unknown")),
            returned=pl.col("returned").fill_null(False),
        )
        .select("pack", "maker_id", "holder_id", "status", "returned")
        .sort("pack")
    )


def _later(t: str, e: str, t0: str, e0: str) -> pl.Expr:
    """(t, e) is a mark later than (t0, e0), which may be none."""
    return pl.col(t).is_not_null() & (
        pl.col(t0).is_null()
        | (pl.col(t) > pl.col(t0))
        | ((pl.col(t) == pl.col(t0)) & (pl.col(e) > pl.col(e0)))
    )


_TIME_COLUMNS = ("packed_at", "own_status_at", "own_holder_at", "out_status_at", "out_holder_at")


def _register_columns(side: str) -> tuple[list[str], dict[str, Any]]:
    """(SQL columns, frame schema) of what a pack needs of its own register row
    (``side="own"``) or of a container's (``"out"``): half the columns each, and the batch read
    is mostly bytes."""
    columns = [
        "epc", "maker_id", "CAST(ambiguous AS integer)", "parent", "packed_at",
        f"{side}_status", f"{side}_status_at", f"{side}_status_event", f"{side}_holder_id",
        f"{side}_holder_at", f"{side}_holder_event",
    ]  # fmt: skip
    names = ["epc", "maker_id", "ambiguous", *columns[3:]]
    schema: dict[str, Any] = {
        n: _TIME if n in _TIME_COLUMNS
        else pl.String if n in ("epc", "parent", f"{side}_status")
        else pl.Int64
        for n in names
    }  # fmt: skip
    return columns, schema


def _register_rows(session: Session, side: str, where: str, params: dict[str, Any]) -> pl.DataFrame:
    columns, schema = _register_columns(side)
    selected = ", ".join(epoch_us(session, c) if c in _TIME_COLUMNS else c for c in columns)
    return read_frame(session, f"SELECT {selected} FROM trace_pack_state WHERE {where}", params,
                      schema)  # fmt: skip


def pack_states_now(
    session: Session,
    gtin: str,
    lot: str,
    also: dict[str, int | None],
    return_dispositions: frozenset[str],
    return_steps: frozenset[str],
) -> pl.DataFrame:
    """:func:`pack_states` as the events stand now, for the packs commissioned with ``gtin`` and
    ``lot`` (and the packs in ``also``, found another way), read from the pack register
    (:mod:`yaojian.trace.pack_state`) instead of replayed: the batch's rows by the register's
    (gtin, lot) index, then the containers around them level by level, and
    :func:`~yaojian.trace.pack_state.effective` applied to all packs at once as joins. Packs the
    register cannot answer for (ambiguous, or found only in ``also``) are replayed. Nothing is
    returned yet: ``returned`` is false throughout."""
    packs = _register_rows(
        session, "own", "gtin = :gtin AND lot = :lot", {"gtin": gtin, "lot": lot}
    )
    also = {p: m for p, m in also.items() if p not in set(packs["epc"].to_list())}
    state = packs.select(
        pack="epc", maker_id="maker_id", node="parent", lo="packed_at",
        ambiguous=pl.col("ambiguous") == 1, status="own_status", s_t="own_status_at",
        s_e="own_status_event", holder_id="own_holder_id", h_t="own_holder_at",
        h_e="own_holder_event",
    )  # fmt: skip
    seen: set[str] = set()
    containers = pl.DataFrame(schema=_register_columns("out")[1])
    for _ in range(MAX_DEPTH):
        if not state["node"].is_not_null().any():
            break
        wanted = set(state["node"].drop_nulls().unique().to_list()) - seen
        if wanted:
            seen |= wanted
            level = _register_rows(session, "out", any_of(session, "epc", "wanted"),
                                   {"wanted": list_param(session, sorted(wanted))})  # fmt: skip
            containers = pl.concat([containers, level])
        joined = state.join(containers.rename(lambda c: f"c_{c}"), left_on="node",
                            right_on="c_epc", how="left")  # fmt: skip
        applies_s = (pl.col("c_out_status_at") >= pl.col("lo")) & _later(
            "c_out_status_at", "c_out_status_event", "s_t", "s_e"
        )
        applies_h = (pl.col("c_out_holder_at") >= pl.col("lo")) & _later(
            "c_out_holder_at", "c_out_holder_event", "h_t", "h_e"
        )
        state = joined.with_columns(
            status=pl.when(applies_s).then("c_out_status").otherwise("status"),
            s_t=pl.when(applies_s).then("c_out_status_at").otherwise("s_t"),
            s_e=pl.when(applies_s).then("c_out_status_event").otherwise("s_e"),
            holder_id=pl.when(applies_h).then("c_out_holder_id").otherwise("holder_id"),
            h_t=pl.when(applies_h).then("c_out_holder_at").otherwise("h_t"),
            h_e=pl.when(applies_h).then("c_out_holder_event").otherwise("h_e"),
            ambiguous=pl.col("ambiguous") | (pl.col("c_ambiguous") == 1).fill_null(False),
            lo=pl.max_horizontal("lo", "c_packed_at"),
            node=pl.when(pl.col("c_packed_at").is_not_null()).then("c_parent"),
        ).select(state.columns)
    words = pl.DataFrame(
        {"status": list(STATUS), "word": [w for w, _ in STATUS.values()]},
        schema={"status": pl.String, "word": pl.String},
    )
    answered = (
        state.filter(~pl.col("ambiguous"))
        .join(words, on="status", how="left")
        .select(
            "pack",
            "maker_id",
            "holder_id",
            status=pl.col("word").fill_null("active"),
            returned=pl.lit(False),
        )
    )
    ambiguous = state.filter(pl.col("ambiguous")).select("pack", "maker_id")
    replay = dict(ambiguous.iter_rows()) | also
    if replay:
        replayed = pack_states(
            session, replay, dt.datetime.now(dt.UTC), return_dispositions, return_steps
        ).with_columns(returned=pl.lit(False))
        answered = pl.concat([answered, replayed.select(answered.columns)])
    return answered.sort("pack")
