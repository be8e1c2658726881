"""Benchmark inputs: the bundled JSON corpora (xz-compressed in bench/data) and a seeded generator of
shape-stable records, so every run and every machine measures the same bytes."""

from __future__ import annotations

import datetime
import enum
import lzma
import random
import uuid
from pathlib import Path
from typing import Any, Sequence, TypedDict

DATA_DIR = Path(__file__).resolve().parent / "data"
CORPORA = ("twitter", "github", "citm_catalog", "canada")

RECORDS_SEED = 20240611


def load_corpus(name: str) -> bytes:
    """The corpus's original bytes (as published, whitespace and all)."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; expected one of {', '.join(CORPORA)}")
    return lzma.decompress((DATA_DIR / f"{name}.json.xz").read_bytes())


# (display name, ASCII form for the e-mail). About a third of full names are non-ASCII, as in a real
# user table: they send encoders down their UTF-8 path without needing any escapes.
_FIRST = (
    ("Alice", "alice"), ("Bob", "bob"), ("Carol", "carol"), ("David", "david"), ("Emma", "emma"),
    ("Frank", "frank"), ("Grace", "grace"), ("Henry", "henry"), ("Isabel", "isabel"), ("Jack", "jack"),
    ("Liam", "liam"), ("Maria", "maria"), ("Noah", "noah"), ("Olivia", "olivia"), ("Priya", "priya"),
    ("Quinn", "quinn"), ("Rachel", "rachel"), ("Samuel", "samuel"), ("Tara", "tara"), ("Umar", "umar"),
    ("Victor", "victor"), ("Wendy", "wendy"), ("Xavier", "xavier"), ("Yusuf", "yusuf"), ("Zach", "zach"),
    ("Amelia", "amelia"), ("Ben", "ben"), ("Chen", "chen"), ("Diana", "diana"), ("Ethan", "ethan"),
    ("Fatima", "fatima"), ("George", "george"), ("Hannah", "hannah"), ("Ivan", "ivan"), ("Julia", "julia"),
    ("José", "jose"), ("Zoë", "zoe"), ("Søren", "soren"), ("Chloé", "chloe"), ("Łukasz", "lukasz"),
    ("Ольга", "olga"), ("美咲", "misaki"), ("Αλέξης", "alexis"), ("Dvořák", "dvorak"), ("İlkay", "ilkay"),
)
_LAST = (
    ("Smith", "smith"), ("Johnson", "johnson"), ("Brown", "brown"), ("Garcia", "garcia"),
    ("Miller", "miller"), ("Davis", "davis"), ("Wilson", "wilson"), ("Taylor", "taylor"),
    ("Nguyen", "nguyen"), ("Kim", "kim"), ("Patel", "patel"), ("Rossi", "rossi"),
    ("Anderson", "anderson"), ("Clark", "clark"), ("Lewis", "lewis"), ("Walker", "walker"),
    ("Young", "young"), ("King", "king"), ("Wright", "wright"), ("Lopez", "lopez"), ("Hill", "hill"),
    ("Scott", "scott"), ("Green", "green"), ("Adams", "adams"), ("Baker", "baker"), ("Hall", "hall"),
    ("Evans", "evans"), ("Turner", "turner"), ("Cohen", "cohen"), ("Singh", "singh"),
    ("Müller", "mueller"), ("Ólafsdóttir", "olafsdottir"), ("Núñez", "nunez"), ("Øster", "oster"),
    ("Иванова", "ivanova"), ("山田", "yamada"), ("Žák", "zak"),
)
_DOMAINS = ("example.com", "mail.example.org", "corp.example.net", "example.co.uk")
_TAGS = (
    "admin", "beta", "billing", "dev", "eu", "us", "apac", "mobile", "newsletter", "premium",
    "support", "trial", "vip", "legacy", "api", "sso",
)


# Only Random.random() is guaranteed to give the same sequence across Python versions (randrange,
# choice and sample are not), so every draw is built on it and the workload never silently changes.
def _below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def _pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    return seq[_below(rng, len(seq))]


def _score(rng: random.Random) -> float:
    # Half "human" scores with at most two decimals (73.25, 88.5, 100.0), half full-precision doubles:
    # float formatting is a large share of encoding time and both kinds take different paths.
    if rng.random() < 0.5:
        return _below(rng, 401) / 4
    return rng.random() * 100


def _record(rng: random.Random, record_id: int) -> dict[str, Any]:
    first, first_ascii = _pick(rng, _FIRST)
    last, last_ascii = _pick(rng, _LAST)
    tags: list[str] = []
    for _ in range(_below(rng, 5)):
        tag = _pick(rng, _TAGS)
        if tag not in tags:
            tags.append(tag)
    parent = None if rng.random() < 0.5 or record_id == 1 else 1 + _below(rng, record_id - 1)
    return {
        "id": record_id,
        "name": f"{first} {last}",
        "email": f"{first_ascii}.{last_ascii}{_below(rng, 100)}@{_pick(rng, _DOMAINS)}",
        "score": _score(rng),
        "active": rng.random() < 0.8,
        "tags": tags,
        "parent": parent,
    }


class Record(TypedDict):
    """The shape of every record records() makes (the schema compiled encoders are timed with)."""

    id: int
    name: str
    email: str
    score: float
    active: bool
    tags: list[str]
    parent: int | None


def records(n: int = 10_000, seed: int = RECORDS_SEED) -> list[dict[str, Any]]:
    """n records of one shape (same keys, same order, same value types but `parent` int|None)."""
    rng = random.Random(seed)
    return [_record(rng, i) for i in range(1, n + 1)]


def record() -> dict[str, Any]:
    """One record: the per-call overhead workload."""
    return records(1)[0]


# --- records with datetime, UUID and enum fields (the issue-6 workload) ----------------------------

class Status(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


class Tier(enum.Enum):
    FREE = 0
    PRO = 1
    ENTERPRISE = 2


class TypedRecord(TypedDict):
    """The shape of every record typed_records() makes."""

    id: int
    uuid: uuid.UUID
    name: str
    status: Status
    tier: Tier
    created: datetime.datetime  # aware (UTC), with microseconds
    updated: datetime.datetime  # naive, whole seconds
    birthday: datetime.date
    score: float


_EPOCH = datetime.datetime(2015, 1, 1, tzinfo=datetime.timezone.utc)


def _typed_record(rng: random.Random, record_id: int) -> dict[str, Any]:
    first, _ = _pick(rng, _FIRST)
    last, _ = _pick(rng, _LAST)
    created = _EPOCH + datetime.timedelta(seconds=_below(rng, 10**9), microseconds=_below(rng, 10**6))
    return {
        "id": record_id,
        "uuid": uuid.UUID(int=sum(_below(rng, 2**32) << (32 * k) for k in range(4))),
        "name": f"{first} {last}",
        "status": _pick(rng, list(Status)),
        "tier": _pick(rng, list(Tier)),
        "created": created,
        "updated": datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=_below(rng, 3 * 10**7)),
        "birthday": datetime.date(1950, 1, 1) + datetime.timedelta(days=_below(rng, 20000)),
        "score": _score(rng),
    }


def typed_records(n: int = 10_000, seed: int = RECORDS_SEED) -> list[dict[str, Any]]:
    """n records of one shape whose values include datetime, date, UUID and Enum members."""
    rng = random.Random(seed)
    return [_typed_record(rng, i) for i in range(1, n + 1)]


def typed_default(obj: Any) -> Any:
    """default= for stdlib json (and other peers) that writes these records as fastjson does:
    RFC 3339 via isoformat(), the hyphenated UUID, enum members by value."""
    if isinstance(obj, (datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, uuid.UUID):
        return str(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
