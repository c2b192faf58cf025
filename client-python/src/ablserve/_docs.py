"""Field docs where help() shows them. A string literal under a dataclass field documents it in the source (and
for Sphinx), but Python drops it at run time; :func:`with_field_docs` copies each into an "Attributes:" section of
the class docstring, so the docs live once, beside their fields, and ``help(ablserve.AblConfig)`` shows them."""
from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from typing import Dict, TypeVar

T = TypeVar("T")


def with_field_docs(cls: T) -> T:
    """Appends "Attributes:", one entry per documented field (type, default or "optional" for a field whose None
    leaves it to the server, doc), to ``cls.__doc__``. Leaves
    the class as it is when its source cannot be read (a frozen application)."""
    docs = _field_docs(cls)
    if not docs:
        return cls
    lines = ["", "Attributes:"]
    for f in dataclasses.fields(cls):
        if f.name not in docs:
            continue
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        if f.default is None and kind.startswith("Optional[") and kind.endswith("]"):
            # None is not sent: the server's default applies.
            kind, default = kind[len("Optional["):-1], ", optional"
        else:
            default = "" if f.default is dataclasses.MISSING else f", default {f.default!r}"
        first, *rest = docs[f.name].splitlines()
        lines.append(f"    {f.name} ({kind}{default}): {first}")
        lines.extend(f"        {line}" if line else "" for line in rest)
    cls.__doc__ = inspect.cleandoc(cls.__doc__ or "") + "\n" + "\n".join(lines)
    return cls


def _field_docs(cls) -> Dict[str, str]:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0].body
    docs = {}
    for node, following in zip(body, body[1:]):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs
