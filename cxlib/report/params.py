"""The parameters of the report notebooks: declared in each ``parameters`` cell, checked
before a run.

A notebook declares its parameters in the cell tagged ``parameters``, one typed line
each (``k: int | None = None  # number of personas; None = choose by silhouette``).
:func:`parameter_specs` reads name, type, default and help from that cell (with
:mod:`ast` and :mod:`tokenize`: papermill's inspection gives up on the ``=`` inside a
comment), :func:`check_types` refuses a value of the wrong type before anything runs, and
:func:`describe_parameters` is ``python -m cxlib reports --list-params``.

Examples
--------
>>> spec = ParamSpec("k", "int | None", "None", "number of personas")
>>> accepts(spec.annotation, 5), accepts(spec.annotation, None), accepts(spec.annotation, "four")
(True, True, False)
>>> type_error("personas", spec, "four")
"parameter personas.k: expected int | None (number of personas), got 'four' (text); see python -m cxlib reports --list-params"
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxlib.report.registry import Report

LIST_PARAMS_HINT = "see python -m cxlib reports --list-params"
"""Where every type error points."""
_KIND = {bool: "true/false", int: "integer", float: "number", str: "text", list: "list",
         dict: "mapping", type(None): "null"}  # fmt: skip
_SCALARS = {"int": int, "float": float, "str": str, "bool": bool}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter as its notebook declares it (all as written in the cell)."""

    name: str
    annotation: str | None
    """The type as written (``int | None``); None when the line has no annotation."""
    default: str
    """The default value's source text."""
    help: str
    """The comment on the line (the first line of it)."""


def code_cells(path: str | Path) -> list[dict[str, Any]]:
    """The code cells of a notebook file, read as plain JSON (fast: no nbformat)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    return [c for c in cells if c.get("cell_type") == "code"]


def cell_source(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _comments(source: str) -> dict[int, str]:
    """The comment of each line (1-based line number -> text without ``#``)."""
    found: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                found[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return found


def parameter_specs(path: str | Path) -> list[ParamSpec]:
    """The parameters a notebook declares in its ``parameters`` cell, in order ([] if none)."""
    for cell in code_cells(path):
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell_source(cell)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return []
        notes, specs = _comments(source), []
        for node in tree.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names, annotation = (
                    [node.target.id],
                    ast.get_source_segment(source, node.annotation),
                )
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                annotation = None
            else:
                continue
            default = ast.get_source_segment(source, node.value) if node.value else ""
            help_ = notes.get(node.end_lineno or node.lineno, "")
            specs += [ParamSpec(n, annotation, default or "", help_) for n in names]
        return specs
    return []


def declared_parameters(path: str | Path) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell."""
    return {s.name for s in parameter_specs(path)}


def accepts(annotation: str | None, value: Any) -> bool:
    """Whether ``value`` (read as YAML) fits the type written as ``annotation``.

    Understands ``int``, ``float`` (an integer is a number too), ``str``, ``bool``,
    ``None``, unions (``X | Y``, ``Optional[X]``), ``list[X]`` and ``dict[K, V]``; a type
    it does not know accepts anything (the notebook will say).

    Examples
    --------
    >>> accepts("list[int]", [3, 8]), accepts("list[int]", [3, "x"]), accepts("float", 2)
    (True, False, True)
    >>> accepts("dict[int, str] | None", {1: "Emma"}), accepts("bool", 1)
    (True, False)
    """
    if annotation is None:
        return True
    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return True
    return _fits(node, value)


def _fits(node: ast.AST, value: Any) -> bool:
    """``value`` against one node of a parsed type annotation."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _fits(node.left, value) or _fits(node.right, value)
    if isinstance(node, ast.Constant) and node.value is None:
        return value is None
    if isinstance(node, ast.Name):
        if node.id == "None":
            return value is None
        kind = _SCALARS.get(node.id)
        if kind is None:
            return node.id not in ("list", "dict") or isinstance(value, _bare(node.id))
        if isinstance(value, bool):
            return kind is bool
        return isinstance(value, (int, float) if kind is float else kind)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        outer = node.value.id
        if outer == "Optional":
            return value is None or _fits(args[0], value)
        if outer == "list":
            return isinstance(value, list) and all(_fits(args[0], v) for v in value)
        if outer == "dict" and len(args) == 2:
            return isinstance(value, dict) and all(
                _fits(args[0], k) and _fits(args[1], v) for k, v in value.items()
            )
    return True


def _bare(name: str) -> type:
    return list if name == "list" else dict


def type_error(report: str, spec: ParamSpec, value: Any) -> str:
    """One line for a value of the wrong type: report, parameter, expected type, value."""
    kind = _KIND.get(type(value), type(value).__name__)
    about = f" ({spec.help})" if spec.help else ""
    return (
        f"parameter {report}.{spec.name}: expected {spec.annotation}{about}, "
        f"got {value!r} ({kind}); {LIST_PARAMS_HINT}"
    )


def check_types(
    user: Mapping[str, Mapping[str, Any]], specs: Mapping[str, Sequence[ParamSpec]]
) -> None:
    """Refuse a parameter value its notebook's declared type does not allow.

    ``user`` is :func:`~cxlib.report.run_context.parse_params`'s result (``"*"`` applies to
    every report declaring the name), ``specs`` each report's :func:`parameter_specs`.

    Raises
    ------
    ValueError
        The first value of the wrong type (see :func:`type_error`).
    """
    for report, declared in specs.items():
        by_name = {s.name: s for s in declared}
        chosen = {**user.get("*", {}), **user.get(report, {})}
        for name, value in chosen.items():
            spec = by_name.get(name)
            if spec is not None and not accepts(spec.annotation, value):
                raise ValueError(type_error(report, spec, value))


def describe_parameters(
    reports: Sequence[Report], notebooks_dir: str | Path, reserved: set[str]
) -> str:
    """Every report's parameters with type, default and help (``--list-params``)."""
    lines = [
        "Report parameters (set with -p report.name=value, or -p name=value for every "
        "report that has it; values are read as YAML):"
    ]
    for report in reports:
        specs = parameter_specs(Path(notebooks_dir) / report.notebook)
        lines += ["", f"{report.name}  ({report.title}, {report.notebook})"]
        for s in specs:
            if s.name in reserved:
                continue
            typed = f"{s.name}: {s.annotation}" if s.annotation else s.name
            lines.append(f"  {typed} = {s.default}")
            if s.help:
                lines.append(f"      {s.help}")
        runner_set = sorted(s.name for s in specs if s.name in reserved)
        if runner_set:
            lines.append(f"  (set by the runner: {', '.join(runner_set)})")
    return "\n".join(lines)
