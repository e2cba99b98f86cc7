"""The progress bar of a run: on stderr or in a notebook, and only when someone can see it."""

from __future__ import annotations

import sys

__all__ = ["ProgressBar"]


class ProgressBar:
    """A progress bar on stderr (or in a notebook), only when someone can see it."""

    def __init__(self, total: int | None, enabled: bool | None, label: str):
        if enabled is None:
            enabled = _interactive()
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="path", unit_scale=True, desc=label, file=sys.stderr, dynamic_ncols=True)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _interactive() -> bool:
    """True when stderr is a terminal or the code runs in a Jupyter kernel."""
    if sys.stderr is not None and sys.stderr.isatty():
        return True
    try:  # a Jupyter kernel: stderr is not a terminal but a widget can show
        from IPython import get_ipython

        return get_ipython() is not None and "IPKernelApp" in get_ipython().config
    except Exception:
        return False
