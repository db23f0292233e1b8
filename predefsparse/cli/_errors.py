"""The command line's error vocabulary: the one table from library parameter to command-line flag.

A library function refuses bad input with an :class:`adjmat.SpecError` that carries the parameter as data
(``err.param``); :func:`user_message` words it with the flag instead (:meth:`adjmat.SpecError.naming`), and
``predefsparse.cli.main`` prints that one line.  Command modules never reword messages.

A parameter is named ``--`` + its name with ``_`` as ``-`` (``batch_size`` -> ``--batch-size``) unless
:data:`FLAGS` (every command) or :data:`COMMAND_FLAGS` (one command) says otherwise: adding a flag whose name
differs from its parameter is one entry here.  In a command with ``--option KEY=VALUE`` (``data build``,
``pattern``), a parameter with no flag of its own is one of those keys: ``--option KEY``.

Examples
--------
>>> from adjmat.validation import fail
>>> user_message(fail("run_model", "batch_size", "a positive integer", 0))
'run_model: --batch-size must be a positive integer; received --batch-size=0.'
>>> flag_for("densities", "design"), flag_for("z", "design")
('--densities', '--z1')
"""
from __future__ import annotations

from typing import Collection

__all__ = ["FLAGS", "COMMAND_FLAGS", "OPTION_FLAG", "flag_for", "user_message"]

#: Parameter -> flag, in every command, where the flag is not ``--`` + the name with ``-`` for ``_``.
FLAGS: dict[str, str] = {
    "preprocesses": "--preprocess",
    "options.type": "--type",
    "options.dither": "--dither",
}

#: Parameter -> flag (or argument) in one command, where it differs from :data:`FLAGS` and the default rule.
COMMAND_FLAGS: dict[str, dict[str, str]] = {
    "pattern": {"kind": "KIND"},
    "design": {"kind": "--kinds", "z": "--z1", "verbose": "--quiet"},
    "sweep": {"path": "GRID", "grid": "GRID", "points": "--point", "engine": "--serial"},
    "data": {"name_or_path": "FILE_OR_NAME", "name": "NAME"},
}


#: The flag whose ``KEY=VALUE`` sets the parameters that have no flag of their own (builder and kind options).
OPTION_FLAG = "--option"


def flag_for(param: str, command: str | None = None, known: Collection[str] | None = None) -> str:
    """The flag that sets ``param`` in ``command`` (any command when None).

    With ``known`` (the command's flags and argument names), a parameter whose flag is not among them is a key
    of ``--option`` where the command has that flag, else keeps its own name (``data_digest``, a setting no
    flag sets, stays ``data_digest``).

    Examples
    --------
    >>> flag_for("data_dir"), flag_for("preprocesses"), flag_for("kind", "design")
    ('--data-dir', '--preprocess', '--kinds')
    >>> flag_for("frame", "data", {"--option", "--seed"}), flag_for("data_digest", "run", {"--seed"})
    ('--option frame', 'data_digest')
    """
    table = COMMAND_FLAGS.get(command or "", {})
    flag = table.get(param) or FLAGS.get(param) or "--" + param.replace("_", "-")
    if known is None or flag in known:
        return flag
    return f"{OPTION_FLAG} {param}" if OPTION_FLAG in known else param


def user_message(err: BaseException, command: str | None = None, known: Collection[str] | None = None) -> str:
    """One line for a user error, naming flags where the error carries its parameters as data.

    :class:`adjmat.SpecError` built from its parts is worded with the flag of its parameter; an error that
    names several settings (``naming_settings``, e.g. a resume whose settings differ) names each by its flag;
    a file-system error gives its reason and file; anything else its text.  ``known``: as :func:`flag_for`.
    """
    from adjmat.errors import SpecError
    if callable(getattr(err, "naming_settings", None)):
        text = err.naming_settings(lambda name: flag_for(name, command, known))
    elif isinstance(err, SpecError) and getattr(err, "structured", False):
        text = err.naming(flag_for(err.param, command, known))
    elif isinstance(err, OSError) and getattr(err, "filename", None) is not None and err.strerror:
        text = f"{err.strerror}: {err.filename}"
    else:
        text = str(err)
    return " ".join(text.split()) or type(err).__name__

