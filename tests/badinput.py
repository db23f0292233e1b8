"""The bad-input meta-test's vocabulary: a :class:`Case` is one bad call of one public entry point.

Each package keeps its cases in ``tests/<package>/bad_inputs.py`` as ``CASES`` (a list of :class:`Case`) and
``EXEMPT`` (public names that take no user input worth checking, each with the reason).  ``tests/test_bad_inputs.py``
walks ``__all__`` of adjmat, hwsim and predefsparse (and of every public submodule listed there) and fails when a
public callable has neither a case nor an exemption; ``bench/bench_bad_inputs.py`` prints the counts per entry
point.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import os
import types
from typing import Any, Callable, Iterable

PACKAGES = ("adjmat", "hwsim", "predefsparse")


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad call.

    name: the public name the call enters through, as listed by :func:`public_callables` (``"adjmat.generate"``,
    ``"predefsparse.models.mlp"``, ``"predefsparse.cli"`` for the command line).
    call: runs the bad call.
    mentions: strings that must all appear in the error message (the parameter or flag, the value...).
    error: the exception type expected (``adjmat.SpecError`` unless said otherwise; for the command line the
    case's ``call`` returns the exit status and stderr itself, see ``cli_case``).
    accepted: for a value that is *valid* though it looks odd: a predicate on the call's return value that must
    hold ("accepted and correct").
    """

    name: str
    label: str
    call: Callable[[], Any]
    mentions: tuple[str, ...] = ()
    error: type | None = None
    accepted: Callable[[Any], bool] | None = None


def _module_all(module: types.ModuleType) -> Iterable[str]:
    return getattr(module, "__all__", [])


def public_callables() -> dict[str, Any]:
    """``{qualified name: object}`` for every public function and class reachable from the packages' ``__all__``
    (one level of public submodules included).  Exceptions are left out (they are raised, not called)."""
    out: dict[str, Any] = {}
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        for name in _module_all(pkg):
            obj = getattr(pkg, name)
            if isinstance(obj, types.ModuleType):
                for sub in _module_all(obj):
                    _add(out, f"{pkg_name}.{name}.{sub}", getattr(obj, sub))
            else:
                _add(out, f"{pkg_name}.{name}", obj)
    return out


def _add(out: dict[str, Any], qualname: str, obj: Any) -> None:
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return
    if callable(obj):
        out[qualname] = obj


@contextlib.contextmanager
def memory_limit(text: str):
    """Run a case under ``PREDEFSPARSE_MAX_MEMORY=text`` (the one memory switch of the tests), restored after."""
    old = os.environ.get("PREDEFSPARSE_MAX_MEMORY")
    os.environ["PREDEFSPARSE_MAX_MEMORY"] = text
    try:
        yield
    finally:
        if old is None:
            del os.environ["PREDEFSPARSE_MAX_MEMORY"]
        else:
            os.environ["PREDEFSPARSE_MAX_MEMORY"] = old


BAD_VALUES = [-3, "bad", 2.5, object()]


def sweep_cases(table, accepted=None, named_as=None, adjust=None, bad_values=BAD_VALUES) -> list[Case]:
    """One :class:`Case` per (callable, parameter, bad value) of ``table`` (rows ``(public name, callable, valid
    keyword arguments)``), scikit-learn style: each call passes the valid arguments with one of them replaced.

    accepted: ``{(callable __name__, parameter, value): check of the result}`` for values that are valid though
    odd; named_as: ``{(public name, parameter): the name the message must use}``; adjust: ``(method, parameter,
    value) -> value`` to replace a bad value (e.g. a fresh folder for a path), or ``None`` to skip it.
    """
    accepted, named_as = accepted or {}, named_as or {}
    out = []
    for name, fn, kwargs in table:
        method = getattr(fn, "__name__", "")
        for param in kwargs:
            for raw in bad_values:
                bad = adjust(method, param, raw) if adjust else raw
                if bad is None:
                    continue
                out.append(Case(name=name, label=f"{method}-{param}={raw!r:.12}",
                                call=lambda fn=fn, kw=dict(kwargs, **{param: bad}): fn(**kw),
                                mentions=(named_as.get((name, param), param),),
                                accepted=accepted.get((method, param, raw))))
    return out
