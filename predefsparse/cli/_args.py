"""Parsing of the command line's list values (``800,100,10``): every item present and a number, or a refusal.

An empty item (``800,,100``, a trailing comma, a lost negative number in ``50--10``) is refused naming the flag and
the value; nothing is dropped.  Refusals are :class:`adjmat.SpecError` naming the parameter, which
``predefsparse.cli.main`` words with its flag.

Examples
--------
>>> int_list("run", "config", "800, 100,10")
(800, 100, 10)
>>> try:
...     int_list("run", "config", "800,,10")
... except ValueError as err:
...     print(err.naming("--config"))
run: --config must be comma-separated integers with no empty item; received --config='800,,10'.
"""
from __future__ import annotations

from typing import Callable, Iterator, Sequence

__all__ = ["int_list", "float_list", "LazyChoices", "kinds"]


def _items(where: str, param: str, text: str, what: str) -> list[str]:
    from adjmat.validation import fail
    items = [item.strip() for item in str(text).split(",")]
    if not text or any(item == "" for item in items):
        raise fail(where, param, f"comma-separated {what} with no empty item", text)
    return items


def _typed_list(where: str, param: str, text: str, convert, noun: str, what: str) -> tuple:
    """``text`` split by :func:`_items` and each item converted; an item ``convert`` refuses names the flag."""
    from adjmat.validation import fail
    out = []
    for item in _items(where, param, text, noun):
        try:
            out.append(convert(item))
        except ValueError:
            raise fail(where, param, f"comma-separated {noun}", text, f"{item!r} is not {what}.") from None
    return tuple(out)


def int_list(where: str, param: str, text: str | None) -> tuple[int, ...] | None:
    """``"800,100,10"`` as ``(800, 100, 10)``; None stays None.  Items must be whole numbers (``1_000`` too)."""
    if text is None:
        return None
    return _typed_list(where, param, text, lambda item: int(item.replace("_", "")), "integers", "an integer")


def float_list(where: str, param: str, text: str | None) -> tuple[float, ...] | None:
    """``"0.5,1"`` as ``(0.5, 1.0)``; None stays None.  Range checks are the library's."""
    if text is None:
        return None
    return _typed_list(where, param, text, float, "numbers", "a number")


class LazyChoices(Sequence):
    """The ``choices`` of an argument, computed on first use (parsing or help), so that building the parser
    imports nothing heavy (``adjmat``'s kind registry loads its compiled kernels).

    Examples
    --------
    >>> choices = LazyChoices(lambda: ("a", "b"))
    >>> "a" in choices, list(choices), len(choices)
    (True, ['a', 'b'], 2)
    """

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        self._values: tuple[str, ...] | None = None

    def _get(self) -> tuple[str, ...]:
        if self._values is None:
            self._values = tuple(self._load())
        return self._values

    def __getitem__(self, i):
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, value) -> bool:
        return value in self._get()

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())


def kinds() -> LazyChoices:
    """The registered pattern kinds (read when first needed, so a kind registered before parsing appears)."""
    def load():
        import adjmat
        return adjmat.kind_names()
    return LazyChoices(load)
