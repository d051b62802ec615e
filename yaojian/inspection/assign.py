"""Team assignment with OR-Tools CP-SAT.

Every visit gets exactly its team size (≥ 2) of eligible inspectors, at least one of them a team
leader, and every domain of the visit held by someone on the team. Eligible means: active,
available that month, qualified in one of the visit's domains, not from the visit's county and
never employed by the enterprise (回避). Each inspector stays within their yearly capacity. These
rules are hard.

The objective, per sub-problem, is in km-equivalents:

- team travel (km from the inspector's home county centre to the enterprise);
- ``leader_as_member_km`` for every team leader beyond the first on a team, so that leaders,
  whom every visit needs, are not spent on member places;
- ``pace_km`` for every visit an inspector does ahead of their pace (the share of their yearly
  capacity that the months so far allow, × ``pace_slack``), so that the nearest inspectors are
  not used up by mid-year;
- ``balance_weight`` × the highest utilisation (‰ of yearly capacity), levelling the load.

A province year is too large for one model (40,000 visits × 1,500 inspectors), so it is split
by month and city and solved in that order, each sub-problem carrying every inspector's load
forward. Dispatch is provincial: any sub-problem may draw on any inspector of the province with
capacity left, travel (and the pace term) deciding who goes. Each sub-problem starts from a
greedy solution drawn from the whole pool; CP-SAT then improves it over each visit's nearest
candidates plus the greedy's picks. Before solving, every visit is checked on its own; a visit
that cannot be staffed is named with the rule it fails.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from yaojian.inspection.choices import Domain
from yaojian.inspection.config import AssignSettings

DOMAINS = [d.value for d in Domain]
_BIT = {d: 1 << i for i, d in enumerate(DOMAINS)}
EARTH_KM = 6371.0
_FAR = np.iinfo(np.int64).max // 4  # the score of an inspector who cannot take the place


@dataclass(frozen=True)
class PoolMember:
    id: int
    home_region_code: str
    lat: float
    lon: float
    leader: bool
    qualifications: frozenset[str]
    former_employer_ids: frozenset[int]
    capacity: int
    unavailable_months: frozenset[int]
    carried: int = 0  # visits already on their books this year (other plans)


@dataclass(frozen=True)
class VisitNeed:
    id: int
    enterprise_id: int
    region_code: str
    lat: float
    lon: float
    month: int
    domains: tuple[str, ...]
    team_size: int


@dataclass
class Problem:
    """Why a visit or a sub-problem cannot be staffed: the rule, and the numbers behind it."""

    rule: str
    detail: str
    visit_id: int | None = None
    subproblem: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "detail": self.detail,
            "visit_id": self.visit_id,
            "subproblem": self.subproblem,
        }


@dataclass
class SubResult:
    key: str
    visits: int
    variables: int
    status: str
    objective: float
    bound: float
    seconds: float

    @property
    def gap(self) -> float:
        return abs(self.objective - self.bound) / max(1.0, abs(self.objective))


@dataclass
class Assignment:
    teams: dict[int, list[tuple[int, bool, float]]] = field(default_factory=dict)
    """visit id → [(inspector id, is leader, km)]."""
    problems: list[Problem] = field(default_factory=list)
    subproblems: list[SubResult] = field(default_factory=list)
    seconds: float = 0.0
    dispatched_places: int = 0
    """Team places filled by an inspector from another city than the visit's (统一调派)."""
    over_pace: int = 0
    """Visits done ahead of the inspector's pace, summed over the year."""
    utilisation: dict[str, float] = field(default_factory=dict)
    """Shares of yearly capacity the inspectors end the plan with (carried visits included):
    median, 90th percentile, highest."""

    @property
    def feasible(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        gaps = [s.gap for s in self.subproblems]
        worst = max(self.subproblems, key=lambda s: s.gap, default=None)
        objective = sum(s.objective for s in self.subproblems)
        bound = sum(s.bound for s in self.subproblems)
        loads: dict[int, int] = defaultdict(int)
        km = 0.0
        for team in self.teams.values():
            for inspector_id, _, d in team:
                loads[inspector_id] += 1
                km += d
        return {
            "feasible": self.feasible,
            "visits": len(self.teams),
            "subproblems": len(self.subproblems),
            "objective": round(objective, 1),
            "bound": round(bound, 1),
            "gap": round((objective - bound) / max(1.0, objective), 4),
            "worst_gap": round(max(gaps, default=0.0), 4),
            "worst_subproblem": worst.key if worst is not None else None,
            "mean_gap": round(sum(gaps) / len(gaps), 4) if gaps else 0.0,
            "statuses": dict(sorted(_count(s.status for s in self.subproblems).items())),
            "travel_km": round(km, 1),
            "inspectors_used": len(loads),
            "max_load": max(loads.values(), default=0),
            "utilisation": self.utilisation,
            "dispatched_places": self.dispatched_places,
            "over_pace": self.over_pace,
            "seconds": round(self.seconds, 2),
            "problems": [p.as_json() for p in self.problems[:50]],
            "problem_count": len(self.problems),
        }


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        out[v] += 1
    return dict(out)


class _PoolArrays:
    def __init__(self, pool: Sequence[PoolMember]) -> None:
        self.pool = list(pool)
        n = len(self.pool)
        self.lat = np.radians(np.array([p.lat for p in pool], dtype=float))
        self.lon = np.radians(np.array([p.lon for p in pool], dtype=float))
        self.quals = np.array(
            [sum(_BIT[q] for q in p.qualifications if q in _BIT) for p in pool], dtype=np.int64
        )
        self.leader = np.array([p.leader for p in pool], dtype=bool)
        self.capacity = np.array([p.capacity for p in pool], dtype=np.int64)
        self.home = [p.home_region_code for p in pool]
        self.city = [p.home_region_code[:4] for p in pool]
        self.by_home: dict[str, list[int]] = defaultdict(list)
        for i, code in enumerate(self.home):
            self.by_home[code].append(i)
        self.available = np.array(
            [[m not in p.unavailable_months for m in range(1, 13)] for p in pool], dtype=bool
        ).reshape(n, 12)
        # The share of the year's capacity an inspector may have used by the end of each month:
        # their available months so far over all their available months.
        months = self.available.sum(axis=1)
        self.pace_share = np.cumsum(self.available, axis=1) / np.maximum(1, months)[:, None]
        self.conflicted: dict[int, list[int]] = defaultdict(list)
        for i, p in enumerate(pool):
            for eid in p.former_employer_ids:
                self.conflicted[eid].append(i)

    def eligible(self, group: Sequence[VisitNeed]) -> np.ndarray:
        """visits × pool: who may be on each visit's team, capacity aside."""
        masks = np.array([sum(_BIT[d] for d in v.domains) for v in group], dtype=np.int64)
        ok: np.ndarray = (self.quals[None, :] & masks[:, None]) != 0
        for r, v in enumerate(group):
            ok[r] &= self.available[:, v.month - 1]
            ok[r, self.by_home.get(v.region_code, [])] = False
            ok[r, self.conflicted.get(v.enterprise_id, [])] = False
        return ok

    def km(self, group: Sequence[VisitNeed]) -> np.ndarray:
        """visits × pool great-circle km, rounded (the objective is integral)."""
        lat = np.radians(np.array([v.lat for v in group], dtype=float))[:, None]
        lon = np.radians(np.array([v.lon for v in group], dtype=float))[:, None]
        a = (
            np.sin((self.lat[None, :] - lat) / 2) ** 2
            + np.cos(lat) * np.cos(self.lat[None, :]) * np.sin((self.lon[None, :] - lon) / 2) ** 2
        )
        out: np.ndarray = np.rint(2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
        return out.astype(np.int64)


def _where(v: VisitNeed) -> str:
    return f"visit {v.id} (enterprise {v.enterprise_id}, county {v.region_code}, month {v.month})"


def _check_alone(
    arrays: _PoolArrays, v: VisitNeed, ok: np.ndarray, after: str = ""
) -> Problem | None:
    """The rule a visit fails with only the inspectors in ``ok`` to draw on."""
    eligible_n = int(ok.sum())
    if eligible_n < v.team_size:
        return Problem(
            "team_size",
            f"{_where(v)}: {eligible_n} eligible inspectors{after}, the team needs "
            f"{v.team_size} (qualified in {'/'.join(v.domains)}, not from {v.region_code}, "
            f"never employed there, available in month {v.month})",
            v.id,
        )
    if not (ok & arrays.leader).any():
        return Problem("team_leader", f"{_where(v)}: no eligible team leader{after}", v.id)
    for d in v.domains:
        if not (ok & ((arrays.quals & _BIT[d]) != 0)).any():
            return Problem(
                "domain_coverage",
                f"{_where(v)}: no eligible inspector qualified in {d}{after}",
                v.id,
            )
    return None


def _cheapest(mask: np.ndarray, cost: np.ndarray, taken: list[int]) -> int | None:
    """The pool index of lowest cost in ``mask`` not already ``taken``, or None."""
    masked = np.where(mask, cost, _FAR)
    masked[taken] = _FAR
    i = int(np.argmin(masked))
    return i if masked[i] < _FAR else None


def _groups(visits: Sequence[VisitNeed]) -> list[tuple[str, list[VisitNeed]]]:
    groups: dict[tuple[int, str], list[VisitNeed]] = defaultdict(list)
    for v in visits:
        groups[(v.month, v.region_code[:4])].append(v)
    return [(f"{city}00/{month:02d}", g) for (month, city), g in sorted(groups.items())]


def assign_teams(
    visits: Sequence[VisitNeed], pool: Sequence[PoolMember], settings: AssignSettings
) -> Assignment:
    started = time.perf_counter()
    result = Assignment()
    arrays = _PoolArrays(pool)
    groups = _groups(visits)
    for _, group in groups:
        ok = arrays.eligible(group)
        for r, v in enumerate(group):
            problem = _check_alone(arrays, v, ok[r])
            if problem is not None:
                result.problems.append(problem)
    if result.problems:
        result.seconds = time.perf_counter() - started
        return result
    load = np.array([p.carried for p in pool], dtype=np.int64)
    for key, group in groups:
        sub = _Sub(key, group, arrays, load, settings)
        outcome = sub.solve(result)
        result.subproblems.append(outcome)
        if result.problems:
            break
    if len(pool):
        share = load / np.maximum(1, arrays.capacity)
        result.utilisation = {
            "p50": round(float(np.percentile(share, 50)), 3),
            "p90": round(float(np.percentile(share, 90)), 3),
            "max": round(float(share.max()), 3),
        }
    result.seconds = time.perf_counter() - started
    return result


class _Sub:
    """One sub-problem (a city's visits of one month) against the whole province's pool."""

    def __init__(
        self,
        key: str,
        group: Sequence[VisitNeed],
        arrays: _PoolArrays,
        load: np.ndarray,
        settings: AssignSettings,
    ) -> None:
        self.key = key
        self.group = list(group)
        self.arrays = arrays
        self.load = load
        self.settings = settings
        month = group[0].month
        self.room = arrays.capacity - load  # yearly capacity left: a hard limit
        pace = np.floor(arrays.capacity * arrays.pace_share[:, month - 1] * settings.pace_slack)
        # Visits each inspector may still take this month before the pace term applies.
        self.pace_left = np.maximum(0, pace.astype(np.int64) - load)
        self.ok = arrays.eligible(group) & (self.room > 0)[None, :]
        self.km = arrays.km(group)

    def greedy(self) -> tuple[set[tuple[int, int]] | None, Problem | None]:
        """Teams picked visit by visit (fewest eligible first), each place to the inspector of
        the whole pool with the lowest marginal cost. Returns (v row, pool index) pairs, or the
        first visit it could not staff with the rule that failed."""
        a, s = self.arrays, self.settings
        extra = np.zeros(len(a.pool), dtype=np.int64)
        chosen: set[tuple[int, int]] = set()
        counts = self.ok.sum(axis=1)
        for r in sorted(range(len(self.group)), key=lambda r: (int(counts[r]), r)):
            v = self.group[r]
            ok = self.ok[r] & (extra < self.room)
            used = self.load + extra + 1
            score = (
                self.km[r]
                + s.pace_km * (extra + 1 > self.pace_left)
                # A tie-break towards the less used: 1 km per 1 % of capacity.
                + (100 * used) // np.maximum(1, a.capacity)
            )
            score = np.where(ok, score, _FAR)
            team: list[int] = []
            leader = _cheapest(ok & a.leader, score, team)
            if leader is None:
                return None, _check_alone(a, v, ok, " with capacity left")
            team.append(leader)
            for d in v.domains:
                if not any(a.quals[i] & _BIT[d] for i in team):
                    i = _cheapest(ok & ((a.quals & _BIT[d]) != 0), score, team)
                    if i is None:
                        return None, _check_alone(a, v, ok, " with capacity left")
                    team.append(i)
            member_cost = score + s.leader_as_member_km * a.leader
            while len(team) < v.team_size:
                i = _cheapest(ok, member_cost, team)
                if i is None:
                    return None, _check_alone(a, v, ok, " with capacity left")
                team.append(i)
            for i in team:
                extra[i] += 1
                chosen.add((r, i))
        return chosen, None

    def candidates(self, hint: set[tuple[int, int]] | None) -> list[list[tuple[int, int]]]:
        """Per visit: its nearest eligible inspectors, the nearest leaders and the nearest per
        domain, plus whoever the greedy put on its team."""
        a, s = self.arrays, self.settings
        masked = np.where(self.ok, self.km, _FAR)
        order = np.argsort(masked, axis=1, kind="stable")
        picked: dict[int, list[int]] = defaultdict(list)
        for r, i in hint or ():
            picked[r].append(i)
        out = []
        for r, v in enumerate(self.group):
            row = order[r, : int(self.ok[r].sum())]
            chosen: dict[int, None] = dict.fromkeys(row[: s.candidates].tolist())
            chosen.update(dict.fromkeys(row[a.leader[row]][: 2 * s.per_domain].tolist()))
            for d in v.domains:
                qualified = row[(a.quals[row] & _BIT[d]) != 0]
                chosen.update(dict.fromkeys(qualified[: s.per_domain].tolist()))
            chosen.update(dict.fromkeys(picked[r]))
            out.append([(i, int(self.km[r, i])) for i in chosen])
        return out

    def solve(self, result: Assignment) -> SubResult:
        t0 = time.perf_counter()
        s = self.settings
        hint, stuck = self.greedy()
        cands = self.candidates(hint)
        floor = self.lower_bound(cands)
        if hint is not None:
            greedy = float(self.cost(hint, cands)[0])
            if greedy - floor <= s.relative_gap * max(1.0, greedy):
                # Already within the gap asked for: CP-SAT could not prove more in the time.
                self.commit(result, hint, cands)
                seconds = time.perf_counter() - t0
                return SubResult(
                    self.key, len(self.group), 0, "GREEDY_WITHIN_GAP", greedy, floor, seconds
                )
        model, x = self.model(cands, hint)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = s.seconds_per_subproblem
        solver.parameters.relative_gap_limit = s.relative_gap
        solver.parameters.num_workers = s.workers
        solver.parameters.random_seed = 1
        status = solver.solve(model)
        name = solver.status_name(status)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = {k for k, var in x.items() if solver.boolean_value(var)}
            objective = solver.objective_value
            bound = min(max(solver.best_objective_bound, floor), objective)
        elif hint is not None:
            # CP-SAT found nothing better in time: keep the greedy teams it was hinted with.
            chosen, name = hint, "GREEDY"
            objective = float(self.cost(hint, cands)[0])
            bound = floor
        else:
            self.explain(result, name, stuck, len(x), len(model.proto.constraints), t0)
            seconds = time.perf_counter() - t0
            return SubResult(self.key, len(self.group), len(x), name, 0.0, 0.0, seconds)
        self.commit(result, chosen, cands)
        seconds = time.perf_counter() - t0
        return SubResult(self.key, len(self.group), len(x), name, objective, bound, seconds)

    def lower_bound(self, cands: list[list[tuple[int, int]]]) -> float:
        """A bound no staffing of this sub-problem can beat: every visit's team as near as its
        nearest eligible inspectors with room, every other term zero. The candidates hold those
        nearest, so the bound holds beyond the candidates too."""
        return float(
            sum(
                sum(sorted(km for _, km in row)[: v.team_size])
                for v, row in zip(self.group, cands, strict=True)
            )
        )

    def model(
        self, cands: list[list[tuple[int, int]]], hint: set[tuple[int, int]] | None
    ) -> tuple[cp_model.CpModel, dict[tuple[int, int], cp_model.IntVar]]:
        s, pool = self.settings, self.arrays.pool
        model = cp_model.CpModel()
        x: dict[tuple[int, int], cp_model.IntVar] = {}
        by_inspector: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        terms: list[cp_model.IntVar] = []
        coefs: list[int] = []
        for r, v in enumerate(self.group):
            mine: list[cp_model.IntVar] = []
            leaders: list[cp_model.IntVar] = []
            for i, km in cands[r]:
                var = model.new_bool_var("")
                x[r, i] = var
                mine.append(var)
                by_inspector[i].append(var)
                terms.append(var)
                coefs.append(km + (s.leader_as_member_km if pool[i].leader else 0))
                if pool[i].leader:
                    leaders.append(var)
            model.add(cp_model.LinearExpr.sum(mine) == v.team_size)
            model.add_bool_or(leaders)
            if len(v.domains) > 1:
                for d in v.domains:
                    model.add_bool_or([x[r, i] for i, _ in cands[r] if d in pool[i].qualifications])
        # The balance term: the highest share of capacity anyone is pushed ahead of pace, in ‰.
        peak = model.new_int_var(0, 1000, "peak_ahead")
        _, hint_new, hint_peak = self.cost(hint or set(), cands)
        for i, vars_ in by_inspector.items():
            room, left, n = int(self.room[i]), int(self.pace_left[i]), len(vars_)
            total = cp_model.LinearExpr.sum(vars_)
            if room < n:
                model.add(total <= room)
            if left < n:
                ahead = model.new_int_var(0, n - left, "")
                model.add(ahead >= total - left)
                terms.append(ahead)
                coefs.append(s.pace_km)
                model.add(1000 * ahead <= pool[i].capacity * peak)
                if hint is not None:
                    model.add_hint(ahead, max(0, hint_new.get(i, 0) - left))
        terms.append(peak)
        coefs.append(s.balance_weight)
        # The first leader of each team is free; only extra leaders cost.
        free = s.leader_as_member_km * len(self.group)
        model.minimize(cp_model.LinearExpr.weighted_sum(terms, coefs) - free)
        if hint is not None:
            for (r, i), var in x.items():
                model.add_hint(var, (r, i) in hint)
            model.add_hint(peak, hint_peak)
        return model, x

    def cost(
        self, chosen: set[tuple[int, int]], cands: list[list[tuple[int, int]]]
    ) -> tuple[int, dict[int, int], int]:
        """The model's objective for given teams (the greedy's), with each inspector's new
        visits and the balance term's peak (‰ of capacity ahead of pace)."""
        s, pool = self.settings, self.arrays.pool
        km_of = {(r, i): km for r, row in enumerate(cands) for i, km in row}
        new: dict[int, int] = defaultdict(int)
        total = -s.leader_as_member_km * len(self.group)
        for r, i in chosen:
            new[i] += 1
            total += km_of[r, i] + (s.leader_as_member_km if pool[i].leader else 0)
        peak = 0
        for i, n in new.items():
            ahead = max(0, n - int(self.pace_left[i]))
            total += s.pace_km * ahead
            peak = max(peak, -(-1000 * ahead // pool[i].capacity))  # ‰ rounded up, as the model's
        return total + s.balance_weight * peak, new, peak

    def commit(
        self, result: Assignment, chosen: set[tuple[int, int]], cands: list[list[tuple[int, int]]]
    ) -> None:
        a, pool = self.arrays, self.arrays.pool
        new: dict[int, int] = defaultdict(int)
        for r, v in enumerate(self.group):
            team = [(i, km) for i, km in cands[r] if (r, i) in chosen]
            leader = min((t for t in team if pool[t[0]].leader), key=lambda t: (t[1], t[0]))
            result.teams[v.id] = [(pool[i].id, (i, km) == leader, float(km)) for i, km in team]
            city = v.region_code[:4]
            for i, _ in team:
                new[i] += 1
                result.dispatched_places += a.city[i] != city
        for i, n in new.items():
            result.over_pace += max(0, n - int(self.pace_left[i]))
            self.load[i] += n

    def explain(
        self,
        result: Assignment,
        status: str,
        stuck: Problem | None,
        variables: int,
        constraints: int,
        t0: float,
    ) -> None:
        """Name the rule that makes this sub-problem infeasible, with its numbers."""
        seconds = time.perf_counter() - t0
        slots = sum(v.team_size for v in self.group)
        holders = np.flatnonzero(self.ok.any(axis=0))
        room = int(np.maximum(0, self.room[holders]).sum())
        rule, why = self.shortfall()
        if slots > room:
            rule, why = "capacity", ""
        elif rule == "solver" and stuck is not None:
            rule, why = stuck.rule, f"; first visit the greedy could not staff: {stuck.detail}"
        result.problems.append(
            Problem(
                rule,
                f"sub-problem {self.key}: CP-SAT {status} after {seconds:.1f} s with "
                f"{len(self.group)} visits, {variables} variables, {constraints} constraints; "
                f"{slots} team places against {room} places of capacity left among "
                f"{len(holders)} eligible inspectors of the province{why}",
                subproblem=self.key,
            )
        )

    def shortfall(self) -> tuple[str, str]:
        """Which team rule outruns the capacity left among the inspectors who could meet it."""
        a = self.arrays

        def room(members: np.ndarray) -> int:
            return int(np.maximum(0, self.room[members]).sum())

        leaders = np.flatnonzero((self.ok & a.leader[None, :]).any(axis=0))
        if room(leaders) < len(self.group):
            return "team_leader", (
                f"; {len(self.group)} visits need a team leader, the eligible leaders have "
                f"{room(leaders)} places left"
            )
        for d in DOMAINS:
            rows = [r for r, v in enumerate(self.group) if d in v.domains]
            qualified = (a.quals & _BIT[d]) != 0
            holders = np.flatnonzero((self.ok[rows] & qualified[None, :]).any(axis=0))
            if rows and room(holders) < len(rows):
                return "domain_coverage", (
                    f"; {len(rows)} visits need someone qualified in {d}, those inspectors "
                    f"have {room(holders)} places left"
                )
        return "solver", ""
