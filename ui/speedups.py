"""Building elements faster: one answer per handler function, not one ``inspect.signature`` per
element.

Every NiceGUI element watches its classes, style and props, and for each of the three NiceGUI
asks ``helpers.expects_arguments`` whether the change handler takes arguments: an
``inspect.signature`` of a bound method of the element, three per element built. The answer
depends on the method's function, never on the element, and a server profile of a page build
puts these calls at about a quarter of the time spent building elements (``docs/performance.md``).

``install`` answers bound methods from a cache keyed by their function, weakly held so that
nothing is kept alive by it, and leaves every other callable (lambdas, partials, functions) to
NiceGUI's own check. If NiceGUI drops or renames ``helpers.expects_arguments``, ``install``
fails at startup instead of silently doing nothing (``tests/ui/test_speedups.py``).
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable

from nicegui import helpers

_original: Callable[[Callable], bool] | None = None
_answers: weakref.WeakKeyDictionary[Callable, bool] = weakref.WeakKeyDictionary()


def expects_arguments(func: Callable) -> bool:
    """NiceGUI's answer, looked up once per function for bound methods."""
    assert _original is not None
    if not inspect.ismethod(func):
        return _original(func)
    answer = _answers.get(func.__func__)
    if answer is None:
        answer = _answers[func.__func__] = _original(func)
    return answer


def install() -> None:
    """Route NiceGUI's check through the cache (once, at startup; again is harmless)."""
    global _original
    current = helpers.expects_arguments  # AttributeError here: NiceGUI changed, see above
    if current is not expects_arguments:
        _original = current
        helpers.expects_arguments = expects_arguments
