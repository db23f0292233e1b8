"""The two error types every package raises: :class:`SpecError` (bad input) and :class:`DivergenceError`.

A :class:`SpecError` built by :func:`adjmat.validation.fail` carries its parts as data (``where``, ``param``,
``value``, ``expected``, ``hint``), so a caller that knows the parameter by another name -- the command line's
``--config`` for ``config`` -- can say so with :meth:`SpecError.naming` without parsing the message.
"""
from __future__ import annotations

from typing import Any

__all__ = ["SpecError", "DivergenceError"]


class SpecError(ValueError):
    """A parameter, or a combination of parameters, is invalid.

    The message names the function and parameter, what was expected, what was received and, where one exists,
    the nearest valid alternative.  A structured error (built from its parts) reads::

        "<where>: <param> must be <expected>; received <param>=<value>. <hint>"

    Parameters
    ----------
    message : str, optional
        The whole message, for a free-form error.  Leave it out to build the message from the parts (then
        ``where``, ``param`` and ``expected`` are required, and ``value`` is the value received).
    where : str, optional
        The public function (or class) that refused the input.
    param : str, optional
        The parameter at fault; a free-form error may name it too, so a caller can map it to its own name.
    value : object, optional
        The value received (structured errors only; ``None`` otherwise).
    expected : str, optional
        What would be valid, e.g. ``"a positive integer"``; ``None`` for a free-form message.
    hint : str, optional
        A sentence after the message, e.g. the nearest valid value; ``None`` when there is none.

    Attributes
    ----------
    where, param, value, expected, hint
        As given; all ``None`` for a free-form message built from text alone.

    Examples
    --------
    >>> err = SpecError(where="generate", param="p", value=-3, expected="a positive integer")
    >>> str(err)
    'generate: p must be a positive integer; received p=-3.'
    >>> err.naming("--config")
    'generate: --config must be a positive integer; received --config=-3.'
    >>> issubclass(SpecError, ValueError)
    True
    """

    def __init__(self, message: str | None = None, *, where: str | None = None, param: str | None = None,
                 value: Any = None, expected: str | None = None, hint: str | None = None) -> None:
        if message is None:
            if where is None or param is None or expected is None:
                raise TypeError("SpecError needs a message, or where, param and expected to build one")
            message = _compose(where, param, expected, value, hint)
        super().__init__(message)
        self.where = where
        self.param = param
        self.value = value
        self.expected = expected
        self.hint = hint

    @property
    def structured(self) -> bool:
        """Whether the message was built from its parts (so :meth:`naming` can rename the parameter)."""
        return self.expected is not None and self.param is not None and self.where is not None

    def naming(self, name: str) -> str:
        """The message with ``name`` in place of the parameter name wherever the message names it.

        For a structured error this rebuilds the message from its parts with ``name`` as the parameter (the
        hint, free text, is kept as written); a free-form message is returned unchanged.

        Examples
        --------
        >>> err = SpecError(where="NetSpec", param="config", value="1,a", expected="comma-separated integers",
        ...                 hint="For example 1024,64,32.")
        >>> err.naming("--config")
        "NetSpec: --config must be comma-separated integers; received --config='1,a'. For example 1024,64,32."
        >>> SpecError("free text", param="seed").naming("--seed")
        'free text'
        """
        if not self.structured:
            return str(self)
        return _compose(self.where, name, self.expected, self.value, self.hint)

    def __reduce__(self):
        # args holds only the message; the parts travel as keyword state so pickle and copy rebuild them
        return (_rebuild, (type(self), str(self), self.__dict__.copy()))


def _rebuild(cls: type, message: str, state: dict) -> SpecError:
    err = cls.__new__(cls)
    ValueError.__init__(err, message)
    err.__dict__.update(state)
    return err


def _compose(where: str, param: str, expected: str, value: Any, hint: str | None) -> str:
    msg = f"{where}: {param} must be {expected}; received {param}={value!r}."
    return f"{msg} {hint}" if hint else msg


SpecError.__module__ = "adjmat"  # tracebacks read adjmat.SpecError, the public name


class DivergenceError(ArithmeticError):
    """Training diverged: a loss, weight or activation became non-finite (NaN or infinity).

    Raised by the Keras driver (``predefsparse.run_model``) and by the functional simulator (``hwsim.train``);
    the message says what diverged, where (epoch and step, or junction and input) and suggests a smaller
    learning rate.  Shared here so both packages raise the same type.

    Examples
    --------
    >>> issubclass(DivergenceError, ArithmeticError)
    True
    """


DivergenceError.__module__ = "adjmat"
