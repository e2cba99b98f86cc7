"""Public names of a package imported on first use (PEP 562), so that importing one room does not import them all.

``import sim`` and ``import sim.plots`` used to import every module of the package: the command line paid
for SciPy's statistics, the calibration and every study (about 1.2 s) to run one scenario. A package
built with :func:`lazy_exports` imports the module that defines a name when the name is first read,
and keeps it. Static tools (type checkers, the API reference) read the same names from imports under
``if TYPE_CHECKING:`` in the package; ``tests/test_lazy_exports.py`` checks that both lists agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose public names live in its modules.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping of str to str
        Each public name and the module defining it, relative to the package (``".run"``).

    Returns
    -------
    (__getattr__, __dir__)
        To assign in the package: ``__getattr__, __dir__ = lazy_exports(__name__, {...})``.
    """

    def __getattr__(name: str) -> object:
        try:
            module = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # read once: later reads find it without this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
