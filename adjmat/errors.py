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
    context : str, optional
        Where inside ``where`` the parameter sits, e.g. ``"junction 2 (100 -> 10)"``; the message then reads
        ``"<where>: <context>: <param> must be ..."``.  Set by :meth:`within`.

    Attributes
    ----------
    where, param, value, expected, hint, context
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
                 value: Any = None, expected: str | None = None, hint: str | None = None,
                 context: str | None = None) -> None:
        if message is None:
            if where is None or param is None or expected is None:
                raise TypeError("SpecError needs a message, or where, param and expected to build one")
            message = _compose(where, param, expected, value, hint, context)
        super().__init__(message)
        self.where = where
        self.param = param
        self.value = value
        self.expected = expected
        self.hint = hint
        self.context = context

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
        return _compose(self.where, name, self.expected, self.value, self.hint, self.context)

    def within(self, where: str, context: str | None = None) -> "SpecError":
        """This error as raised by the public function ``where`` (that passed the input on), ``context`` saying
        where inside it; a structured error keeps its parts, so :meth:`naming` still works.

        Examples
        --------
        >>> inner = SpecError(where="JunctionSpec", param="fo", value=0, expected="a positive integer")
        >>> outer = inner.within("generate_network", "junction 2 (100 -> 10)")
        >>> str(outer)
        'generate_network: junction 2 (100 -> 10): fo must be a positive integer; received fo=0.'
        >>> outer.within("mlp").naming("--fo")
        'mlp: junction 2 (100 -> 10): --fo must be a positive integer; received --fo=0.'
        """
        if self.structured:
            inner = self.context
            ctx = context if inner is None else inner if context is None else f"{context}: {inner}"
            return SpecError(where=where, param=self.param, value=self.value, expected=self.expected,
                             hint=self.hint, context=ctx)
        text = str(self)                # free text reads "<where>: <body>" by the house rule
        if self.where is not None and text.startswith(f"{self.where}: "):
            body = text[len(self.where) + 2:]
        else:
            body = text.split(": ", 1)[-1]
        prefix = where if context is None else f"{where}: {context}"
        return SpecError(f"{prefix}: {body}", where=where, param=self.param)

    def __reduce__(self):
        # args holds only the message; the parts travel as keyword state so pickle and copy rebuild them
        return (_rebuild, (type(self), str(self), self.__dict__.copy()))


def _rebuild(cls: type, message: str, state: dict) -> SpecError:
    err = cls.__new__(cls)
    ValueError.__init__(err, message)
    err.__dict__.update(state)
    return err


def _compose(where: str, param: str, expected: str, value: Any, hint: str | None, context: str | None) -> str:
    at = where if context is None else f"{where}: {context}"
    msg = f"{at}: {param} must be {expected}; received {param}={value!r}."
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
