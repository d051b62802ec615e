"""Team assignment with OR-Tools CP-SAT.

Every visit gets exactly its team size (≥ 2) of eligible inspectors, at least one of them a team
leader, and every domain of the visit held by someone on the team. Eligible means: active,
available that month, qualified in one of the visit's domains, not from the visit's county and
never employed by the enterprise (回避). Each inspector stays within their yearly capacity.
The objective is team travel (km from the inspector's home county centre to the enterprise)
plus ``balance_weight`` × the highest utilisation (‰ of capacity), so workload is levelled.

A province year is too large for one model (40,000 visits × 1,500 inspectors), so it is split
by city and month; each visit keeps only its nearest eligible candidates (plus the nearest per
domain and the nearest leaders). Sub-problems are solved in date order and carry every
inspector's load forward, so the balance term sees the whole year. Before solving, every visit
is checked on its own; a visit that cannot be staffed is named with the rule it fails.
"""

from __future__ import annotations

import math
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

    @property
    def feasible(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        gaps = [s.gap for s in self.subproblems]
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
            "objective": round(sum(s.objective for s in self.subproblems), 1),
            "bound": round(sum(s.bound for s in self.subproblems), 1),
            "worst_gap": round(max(gaps, default=0.0), 4),
            "mean_gap": round(sum(gaps) / len(gaps), 4) if gaps else 0.0,
            "statuses": dict(sorted(_count(s.status for s in self.subproblems).items())),
            "travel_km": round(km, 1),
            "inspectors_used": len(loads),
            "max_load": max(loads.values(), default=0),
            "seconds": round(self.seconds, 2),
            "problems": [p.as_json() for p in self.problems[:50]],
            "problem_count": len(self.problems),
        }


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in values:
        out[v] += 1
    return dict(out)


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    p1, p2 = np.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dlmb = math.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dlmb / 2) ** 2
    out: np.ndarray = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


class _PoolArrays:
    def __init__(self, pool: Sequence[PoolMember]) -> None:
        self.pool = list(pool)
        self.lat = np.array([p.lat for p in pool], dtype=float)
        self.lon = np.array([p.lon for p in pool], dtype=float)
        self.quals = np.array(
            [sum(_BIT[q] for q in p.qualifications if q in _BIT) for p in pool], dtype=np.int64
        )
        self.leader = np.array([p.leader for p in pool], dtype=bool)
        self.home = np.array([p.home_region_code for p in pool])
        self.available = np.array(
            [[m not in p.unavailable_months for m in range(1, 13)] for p in pool], dtype=bool
        ).reshape(len(pool), 12)
        self.conflicted: dict[int, list[int]] = defaultdict(list)
        for i, p in enumerate(pool):
            for eid in p.former_employer_ids:
                self.conflicted[eid].append(i)

    def eligible(self, v: VisitNeed) -> np.ndarray:
        mask = sum(_BIT[d] for d in v.domains)
        ok = (self.quals & mask) != 0
        ok &= self.home != v.region_code
        ok &= self.available[:, v.month - 1]
        for i in self.conflicted.get(v.enterprise_id, ()):
            ok[i] = False
        out: np.ndarray = ok
        return out


def _candidates(
    arrays: _PoolArrays, v: VisitNeed, settings: AssignSettings, room: np.ndarray | None = None
) -> tuple[list[tuple[int, int]], Problem | None]:
    """Nearest eligible (pool index, km); or the rule this visit fails on its own. ``room``
    leaves out inspectors whose capacity is used up by earlier sub-problems."""
    ok = arrays.eligible(v)
    if room is not None:
        ok &= room
    where = f"visit {v.id} (enterprise {v.enterprise_id}, county {v.region_code}, month {v.month})"
    eligible_n = int(ok.sum())
    if eligible_n < v.team_size:
        return [], Problem(
            "team_size",
            f"{where}: {eligible_n} eligible inspectors, the team needs {v.team_size} "
            f"(qualified in {'/'.join(v.domains)}, not from {v.region_code}, never employed "
            f"there, available in month {v.month})",
            v.id,
        )
    if not (ok & arrays.leader).any():
        return [], Problem("team_leader", f"{where}: no eligible team leader", v.id)
    for d in v.domains:
        if not (ok & ((arrays.quals & _BIT[d]) != 0)).any():
            return [], Problem(
                "domain_coverage", f"{where}: no eligible inspector qualified in {d}", v.id
            )
    idx = np.flatnonzero(ok)
    dist = _km(arrays.lat[idx], arrays.lon[idx], v.lat, v.lon)
    order = idx[np.argsort(dist, kind="stable")]
    chosen: dict[int, None] = dict.fromkeys(order[: settings.candidates].tolist())
    leaders = order[arrays.leader[order]]
    chosen.update(dict.fromkeys(leaders[: 2 * settings.per_domain].tolist()))
    for d in v.domains:
        qualified = order[(arrays.quals[order] & _BIT[d]) != 0]
        chosen.update(dict.fromkeys(qualified[: settings.per_domain].tolist()))
    km_of = dict(zip(idx.tolist(), dist.tolist(), strict=True))
    return [(i, round(km_of[i])) for i in chosen], None


def assign_teams(
    visits: Sequence[VisitNeed], pool: Sequence[PoolMember], settings: AssignSettings
) -> Assignment:
    started = time.perf_counter()
    result = Assignment()
    arrays = _PoolArrays(pool)
    cands: dict[int, list[tuple[int, int]]] = {}
    for v in visits:
        _, problem = _candidates(arrays, v, settings)
        if problem is not None:
            result.problems.append(problem)
    if result.problems:
        result.seconds = time.perf_counter() - started
        return result
    groups: dict[tuple[int, str], list[VisitNeed]] = defaultdict(list)
    for v in visits:
        groups[(v.month, v.region_code[:4])].append(v)
    load = np.array([p.carried for p in pool], dtype=np.int64)
    for (month, city), group in sorted(groups.items()):
        key = f"{city}00/{month:02d}"
        capacity = np.array([p.capacity for p in pool], dtype=np.int64)
        room = (capacity - load) > 0
        for v in group:
            c, problem = _candidates(arrays, v, settings, room)
            if problem is not None:
                problem.subproblem = key
                problem.detail += " (capacity left after the earlier months)"
                result.problems.append(problem)
            cands[v.id] = c
        if result.problems:
            break
        sub = _solve(key, group, cands, arrays, load, settings, result)
        result.subproblems.append(sub)
        if result.problems:
            break
    result.seconds = time.perf_counter() - started
    return result


def _solve(
    key: str,
    group: Sequence[VisitNeed],
    cands: dict[int, list[tuple[int, int]]],
    arrays: _PoolArrays,
    load: np.ndarray,
    settings: AssignSettings,
    result: Assignment,
) -> SubResult:
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_inspector: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    travel: list[tuple[cp_model.IntVar, int]] = []
    pool = arrays.pool
    for v in group:
        mine = []
        for i, km in cands[v.id]:
            var = model.new_bool_var(f"x{v.id}_{i}")
            x[v.id, i] = var
            mine.append((i, var))
            by_inspector[i].append(var)
            travel.append((var, km))
        model.add(sum(var for _, var in mine) == v.team_size)
        model.add(sum(var for i, var in mine if pool[i].leader) >= 1)
        for d in v.domains:
            if len(v.domains) > 1:
                model.add(sum(var for i, var in mine if d in pool[i].qualifications) >= 1)
    hint = _greedy(group, cands, pool, load)
    if hint is not None:
        for (vid, i), var in x.items():
            model.add_hint(var, (vid, i) in hint)
    peak = model.new_int_var(0, 1000, "peak_utilisation")
    for i, vars_ in by_inspector.items():
        room = pool[i].capacity - int(load[i])
        if room < len(vars_):
            model.add(sum(vars_) <= max(0, room))
        # 1000 × (carried + new) ≤ peak × capacity: peak is utilisation in ‰.
        model.add(1000 * (int(load[i]) + sum(vars_)) <= peak * pool[i].capacity)
    model.minimize(sum(km * var for var, km in travel) + settings.balance_weight * peak)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = settings.seconds_per_subproblem
    solver.parameters.relative_gap_limit = settings.relative_gap
    solver.parameters.num_workers = settings.workers
    solver.parameters.random_seed = 1
    status = solver.solve(model)
    name = solver.status_name(status)
    seconds = time.perf_counter() - t0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {key_ for key_, var in x.items() if solver.boolean_value(var)}
        objective = solver.objective_value
    elif hint is not None:
        # CP-SAT found nothing better in time: keep the greedy teams it was hinted with.
        chosen, name = hint, "GREEDY"
        objective = _objective(group, cands, pool, load, chosen, settings)
    else:
        slots = sum(v.team_size for v in group)
        room = sum(max(0, pool[i].capacity - int(load[i])) for i in by_inspector)
        rule, why = _shortfall(group, cands, pool, load)
        if slots > room:
            rule, why = "capacity", ""
        result.problems.append(
            Problem(
                rule,
                f"sub-problem {key}: CP-SAT {name} after {seconds:.1f} s with {len(group)} "
                f"visits, {len(x)} variables, {len(model.proto.constraints)} constraints; "
                f"{slots} team places against {room} places of capacity left among "
                f"{len(by_inspector)} candidate inspectors{why}",
                subproblem=key,
            )
        )
        return SubResult(key, len(group), len(x), name, 0.0, 0.0, seconds)
    for v in group:
        team = [(i, km) for i, km in cands[v.id] if (v.id, i) in chosen]
        leader = min((t for t in team if pool[t[0]].leader), key=lambda t: (t[1], t[0]))
        result.teams[v.id] = [(pool[i].id, (i, km) == leader, float(km)) for i, km in team]
        for i, _ in team:
            load[i] += 1
    bound = solver.best_objective_bound if name != "UNKNOWN" else 0.0
    return SubResult(key, len(group), len(x), name, objective, min(bound, objective), seconds)


def _greedy(
    group: Sequence[VisitNeed],
    cands: dict[int, list[tuple[int, int]]],
    pool: Sequence[PoolMember],
    load: np.ndarray,
) -> set[tuple[int, int]] | None:
    """Teams picked visit by visit (fewest candidates first), each place to the candidate with
    the lowest km + utilisation; the hint CP-SAT starts from, and the fallback if it finds
    nothing better in time. None when it paints itself into a corner."""
    extra: dict[int, int] = defaultdict(int)
    chosen: set[tuple[int, int]] = set()

    def score(c: tuple[int, int]) -> float:
        i, km = c
        return km + 100.0 * (int(load[i]) + extra[i] + 1) / pool[i].capacity

    def has_room(i: int) -> bool:
        return int(load[i]) + extra[i] < pool[i].capacity

    for v in sorted(group, key=lambda v: (len(cands[v.id]), v.id)):
        options = sorted((c for c in cands[v.id] if has_room(c[0])), key=score)
        team: list[int] = []
        leader = next((i for i, _ in options if pool[i].leader), None)
        if leader is None:
            return None
        team.append(leader)
        for d in v.domains:
            if not any(d in pool[i].qualifications for i in team):
                pick = next(
                    (i for i, _ in options if i not in team and d in pool[i].qualifications),
                    None,
                )
                if pick is None:
                    return None
                team.append(pick)
        team.extend([i for i, _ in options if i not in team][: v.team_size - len(team)])
        if len(team) != v.team_size:
            return None
        for i in team:
            extra[i] += 1
            chosen.add((v.id, i))
    return chosen


def _objective(
    group: Sequence[VisitNeed],
    cands: dict[int, list[tuple[int, int]]],
    pool: Sequence[PoolMember],
    load: np.ndarray,
    chosen: set[tuple[int, int]],
    settings: AssignSettings,
) -> float:
    km = sum(d for v in group for i, d in cands[v.id] if (v.id, i) in chosen)
    new: dict[int, int] = defaultdict(int)
    for _, i in chosen:
        new[i] += 1
    peak = max(
        (math.ceil(1000 * (int(load[i]) + n) / pool[i].capacity) for i, n in new.items()),
        default=0,
    )
    return float(km + settings.balance_weight * peak)


def _shortfall(
    group: Sequence[VisitNeed],
    cands: dict[int, list[tuple[int, int]]],
    pool: Sequence[PoolMember],
    load: np.ndarray,
) -> tuple[str, str]:
    """Which team rule outruns the capacity left among the candidates who could meet it."""

    def room(members: set[int]) -> int:
        return sum(max(0, pool[i].capacity - int(load[i])) for i in members)

    leaders = {i for v in group for i, _ in cands[v.id] if pool[i].leader}
    if room(leaders) < len(group):
        return "team_leader", (
            f"; {len(group)} visits need a team leader, the candidate leaders have "
            f"{room(leaders)} places left"
        )
    for d in DOMAINS:
        needing = [v for v in group if d in v.domains]
        holders = {i for v in needing for i, _ in cands[v.id] if d in pool[i].qualifications}
        if needing and room(holders) < len(needing):
            return "domain_coverage", (
                f"; {len(needing)} visits need someone qualified in {d}, those candidates have "
                f"{room(holders)} places left"
            )
    return "solver", ""
