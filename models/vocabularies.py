"""Word lists the racer picks from (session types, track context), kept as data.

Extend them by editing ``data/vocabularies.json``; no code change is needed.
"""

import json
from functools import cache
from pathlib import Path

_FILE = Path(__file__).with_name("data") / "vocabularies.json"


@cache
def vocabularies() -> dict[str, tuple[str, ...]]:
    raw = json.loads(_FILE.read_text(encoding="utf-8"))
    return {name: tuple(words) for name, words in raw.items()}


def words(name: str) -> tuple[str, ...]:
    """The allowed words of one vocabulary, e.g. ``words("track_surface")``."""
    return vocabularies()[name]
