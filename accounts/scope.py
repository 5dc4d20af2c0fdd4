"""Accounts' roles and scopes, and how a requested scope is confined to an account's."""

from __future__ import annotations

from dataclasses import dataclass

from caselog.columns import PARTY, SCOPE_KEYS

#: Area roles (块) from the widest to the narrowest; each role's scope names that many levels.
AREA_ROLES: tuple[str, ...] = ("city", "district", "street", "community")
#: Every role: the area roles, then a department (条), which sees the cases where it is the
#: primary or an assisting department, anywhere in the city.
ROLES: tuple[str, ...] = (*AREA_ROLES, "department")
#: Assessment levels each role may rank (levels coarser than its scope would show a single
#: unit labelled with a name whose other parts it may not see). A department ranks the areas
#: of its own cases; at the department level it sees its own row only.
LEVELS_OF_ROLE: dict[str, tuple[str, ...]] = {
    "city": ("district", "street", "community", "grid", "department"),
    "district": ("street", "community", "grid", "department"),
    "street": ("community", "grid", "department"),
    "community": ("grid", "department"),
    "department": ("department", "district", "street", "community", "grid"),
}

Scope = tuple[tuple[str, str], ...]


class AccessDenied(PermissionError):
    """A request outside the signed-in account's scope or role (one plain sentence)."""


@dataclass(frozen=True)
class Account:
    """A signed-in user: who, which role, and the part of the city the role covers."""

    username: str
    role: str
    district: str | None = None
    street: str | None = None
    community: str | None = None
    display_name: str = ""
    department: str | None = None  # a department account's department; None for the others

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"The role {self.role!r} is not one of {', '.join(ROLES)}.")
        given = [getattr(self, k) for k in SCOPE_KEYS]
        if self.role == "department":
            if not self.department or any(given):
                raise ValueError("A department account names its department and no area.")
            return
        if self.department:
            raise ValueError(f"A {self.role} account names no department.")
        depth = AREA_ROLES.index(self.role)
        if any(not v for v in given[:depth]) or any(v for v in given[depth:]):
            raise ValueError(f"A {self.role} account names exactly {depth} scope level(s).")

    @property
    def scope(self) -> Scope:
        """The account's scope as (key, value) pairs, coarsest first; () for the city;
        (('party', department),) for a department account (its cases as primary or
        assisting department)."""
        if self.department:
            return ((PARTY, self.department),)
        return tuple((k, getattr(self, k)) for k in SCOPE_KEYS if getattr(self, k))

    @property
    def scope_path(self) -> str:
        """'东城区/东华门街道' (empty for a city account)."""
        return "/".join(v for _, v in self.scope)

    @property
    def levels(self) -> tuple[str, ...]:
        """Assessment levels this account may rank."""
        return LEVELS_OF_ROLE[self.role]

    @property
    def is_city(self) -> bool:
        return self.role == "city"

    @property
    def is_department(self) -> bool:
        """A department account (条): its cases anywhere in the city, no area figures."""
        return self.role == "department"


def scope_from_path(role: str, path: str | None) -> dict[str, str]:
    """'东城区/东华门街道' for a street account → {'district': …, 'street': …}; a department
    account names no area ({}).

    Raises ValueError (one sentence) when the number of parts does not fit the role.
    """
    if role not in ROLES:
        raise ValueError(f"The role {role!r} is not one of {', '.join(ROLES)}.")
    parts = [p.strip() for p in (path or "").replace("\x00", "").split("/") if p.strip()]
    if role == "department":
        if parts:
            raise ValueError(f"A department account names no area, not {path!r}.")
        return {}
    depth = AREA_ROLES.index(role)
    if len(parts) != depth:
        want = "/".join(SCOPE_KEYS[:depth]) or "nothing (the whole city)"
        raise ValueError(f"A {role} account's scope is {want}, not {path!r}.")
    return dict(zip(SCOPE_KEYS, parts, strict=False))


def confine(allowed: Scope, requested: Scope) -> Scope:
    """The requested scope narrowed to (or refused by) the ``allowed`` one.

    A request inside the allowed scope (equal or narrower) is kept; a wider one (e.g. the
    whole city for a street account) becomes the allowed scope; one that names another unit
    raises AccessDenied. Keys other than district/street/community are refused too.
    A department account's ``party`` pair stays in the result whatever areas are asked for
    (a department sees its own cases in any area of the city); a request naming another
    department's party is refused.
    """
    party = [pair for pair in allowed if pair[0] == PARTY]
    asked = dict(requested).pop(PARTY, None)
    if asked is not None and party and asked != party[0][1]:
        raise AccessDenied(f"{asked} is outside your scope.")
    party = party or ([(PARTY, asked)] if asked is not None else [])
    allowed = tuple(pair for pair in allowed if pair[0] != PARTY)
    requested = tuple(pair for pair in requested if pair[0] != PARTY)
    want = dict(requested)
    for key in want:
        if key not in SCOPE_KEYS:
            raise AccessDenied(f"The scope key {key!r} is not one of {', '.join(SCOPE_KEYS)}.")
    for key, value in allowed:
        if key in want and want[key] != value:
            raise AccessDenied(f"{'/'.join(v for _, v in requested)} is outside your scope.")
    merged = dict(allowed) | want
    # a narrower request must name its parents (a street without its district is ambiguous)
    keys = [k for k in SCOPE_KEYS if k in merged]
    if keys != list(SCOPE_KEYS[: len(keys)]):
        raise AccessDenied("A scope names its district, then street, then community.")
    return (*((k, merged[k]) for k in keys), *party)


def contains(allowed: Scope, unit: dict[str, str]) -> bool:
    """Whether a unit (its district/street/community values) lies inside ``allowed``."""
    return all(unit.get(k) == v for k, v in allowed)
