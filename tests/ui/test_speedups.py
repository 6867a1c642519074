"""The cached handler check (``ui/speedups.py``) answers as NiceGUI does; NiceGUI still asks."""

from __future__ import annotations

import functools
import inspect

from nicegui import helpers, observables

from ui import speedups


class Handlers:
    def no_arguments(self) -> None: ...

    def one_argument(self, event) -> None: ...

    def optional_argument(self, event=None) -> None: ...

    def variable_arguments(self, *args, **kwargs) -> None: ...

    def __call__(self, event) -> None: ...


def test_the_cached_check_answers_as_nicegui_does():
    speedups.install()
    assert helpers.expects_arguments is speedups.expects_arguments
    original = speedups._original
    assert original is not None and original is not speedups.expects_arguments
    first, second = Handlers(), Handlers()

    def plain(event) -> None: ...

    callables = [
        first.no_arguments, first.one_argument, first.optional_argument,
        first.variable_arguments, second.no_arguments, second.one_argument, first,
        plain, lambda: None, lambda e: None, functools.partial(plain, None), print,
    ]  # fmt: skip
    for _ in range(2):  # the second round answers bound methods from the cache
        for func in callables:
            assert speedups.expects_arguments(func) == original(func), func
    assert speedups.expects_arguments(first.one_argument) is True
    assert speedups.expects_arguments(first.no_arguments) is False
    assert Handlers.one_argument in speedups._answers
    assert Handlers.no_arguments in speedups._answers


def test_installing_twice_keeps_nicegui_s_own_check_underneath():
    speedups.install()
    speedups.install()
    assert speedups._original is not speedups.expects_arguments


def test_nicegui_still_asks_the_check_for_every_element_it_builds():
    """If NiceGUI stops asking (or asks another function), the cache is dead code: remove it."""
    source = inspect.getsource(observables.ObservableCollection.__init__)
    assert "helpers.expects_arguments(on_change)" in source
