"""Where the client's output lands: a Jupyter notebook, a terminal, or a log file. Progress bars are for a person
watching; in a file their carriage returns leave a garbled line per refresh."""
from __future__ import annotations

import html
import sys
from typing import Optional, Sequence, TextIO, Tuple


def in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (where tqdm.auto draws widgets and plots display inline)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def bars_wanted(stream: Optional[TextIO] = None) -> bool:
    """Whether to draw progress bars on ``stream`` (default: stderr): in Jupyter, or when it is a terminal."""
    if in_jupyter():
        return True
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def html_table(title: str, rows: Sequence[Tuple[str, object]]) -> str:
    """A small two-column HTML table for ``_repr_html_``: ``title`` as its caption, one row per (name, value);
    floats to 4 significant digits (NaN stays visible as nan)."""
    cells = "".join(f"<tr><th style=\"text-align:left\">{html.escape(name)}</th>"
                    f"<td style=\"text-align:left\">{html.escape(_shown(value))}</td></tr>" for name, value in rows)
    return f"<table><caption style=\"text-align:left\"><b>{html.escape(title)}</b></caption>{cells}</table>"


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
