"""Every diagnosis code spkit's source can emit, read with ``ast`` (no import, no run).

Each way a code is given is one explicit pattern; anything that gives or looks like a code and fits no
pattern is reported as *unreadable*, so a new way of building codes fails the catalog test instead of
slipping past it. The patterns:

* ``code="X"`` on any call (``SpkitError(...)``, ``Diagnosis(...)``, ``Message(...)``...); an ``IfExp`` of
  constants; a module constant (``code=NO_DIRECTORY_CODE``, also imported from another module);
* a constant at the position of a ``code`` parameter, for every callable that has one (helpers such as
  ``_error(path, problem, code, fix)``, ``b.fail(field, problem, fix, code)``, dataclasses with a ``code``
  field such as ``Message(text, fix, code)``), and a constant default of such a parameter;
* ``default_code = "X"`` in a class body; ``obj.code = "X"``;
* tables: tuples whose first item is a code, as dict values (``AADSTS_DIAGNOSES``), as the default of
  ``.get(key, (...))``, or returned by a function whose result is unpacked into ``code, ... = f(...)``;
* pass-through, which emits nothing new: ``code=code`` inside a function that takes ``code``,
  ``code=error.code`` (re-raising a diagnosis), ``d["code"]`` / ``d.get("code")`` (reading one back).

References (``error.code == "X"``, ``error.code in ("X", "Y")``, ``in _SOME_CODES``) are collected apart:
a comparison with a code nobody emits is a bug too.

In ``spkit/sandbox/`` only spkit's own errors count (``SandboxError(..., code=...)`` from spkit.errors):
the emulator's error codes (Graph's ``Authorization_RequestDenied``...) are Microsoft's, not spkit's.
``spkit/diagnosis/`` (the catalog itself) is not scanned.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "spkit"
CODE_SHAPE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")  # USAGE, THROTTLED, AUTH_FAILED
LOOKS_LIKE_CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")  # what a stray string must not be
NOT_SCANNED = ("diagnosis",)  # the catalog names every code: it must not count as emitting them
EMULATOR = "sandbox"

# Where an UPPER_SNAKE string is not a code: environment variables, argparse metavars, sysconf names.
ENV_CALLS = {"os.environ.get", "os.getenv", "environ.get", "os.environ.pop", "os.environ.setdefault", "_xdg"}
NON_CODE_KEYWORDS = {"metavar", "dest"}
NON_CODE_CALLS = {"os.sysconf"}


@dataclass
class Found:
    path: str
    line: int
    how: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.how})"


@dataclass
class Scan:
    emitted: dict[str, list[Found]] = field(default_factory=lambda: defaultdict(list))
    referenced: dict[str, list[Found]] = field(default_factory=lambda: defaultdict(list))
    unreadable: list[str] = field(default_factory=list)


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent))


def _is_code(value: object) -> bool:
    return isinstance(value, str) and bool(CODE_SHAPE.match(value))


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - ast.unparse handles every expression node
        return "?"


def _reads_code_key(value: ast.expr) -> bool:
    """``d.get("code")``."""
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "get"
        and bool(value.args)
        and isinstance(value.args[0], ast.Constant)
        and value.args[0].value == "code"
    )


def _callee(node: ast.Call) -> tuple[str, str] | None:
    if isinstance(node.func, ast.Name):
        return ("name", node.func.id)
    if isinstance(node.func, ast.Attribute):
        return ("attr", node.func.attr)
    return None


@dataclass
class _Module:
    root: Path
    path: Path
    tree: ast.Module
    parents: dict[ast.AST, ast.AST]
    constants: dict[str, ast.expr]  # module-level NAME = <expr>
    imports: dict[str, tuple[str, str]]  # local name -> (module dotted, original name)

    @property
    def rel(self) -> str:
        return _rel(self.path, self.root)

    @property
    def in_emulator(self) -> bool:
        return self.path.relative_to(self.root).parts[0] == EMULATOR

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _load(path: Path, root: Path) -> _Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    constants: dict[str, ast.expr] = {}
    imports: dict[str, tuple[str, str]] = {}
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(t, ast.Name):
                            constants[t.id] = v
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            constants[node.target.id] = node.value
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] if node.level else []
            source = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                imports[alias.asname or alias.name] = (source, alias.name)
    return _Module(root, path, tree, parents, constants, imports)


@dataclass
class _Callable:
    index: int | None  # position of ``code`` among the positional parameters (self/cls excluded)
    where: str


class _Scanner:
    def __init__(self, root: Path) -> None:
        files = [p for p in sorted(root.rglob("*.py")) if p.relative_to(root).parts[0] not in NOT_SCANNED]
        self.root = root
        self.modules = [_load(p, root) for p in files]
        self.by_name = {_module_name(m.path, root): m for m in self.modules}
        self.scan = Scan()
        self.callables: dict[tuple[str, str], list[_Callable]] = defaultdict(list)
        self.consumed: set[int] = set()  # ids of Constant nodes a pattern has read
        self.spkit_errors = self._error_classes()

    # --- what exists ---------------------------------------------------------------------------------

    def _error_classes(self) -> set[str]:
        errors = self.by_name.get(f"{self.root.name}.errors")
        classes = {n.name for n in errors.tree.body if isinstance(n, ast.ClassDef)} if errors else set()
        return classes | {"Diagnosis"}

    def collect_callables(self) -> None:
        """Every callable with a ``code`` parameter (functions, methods, __init__, dataclass fields)."""
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ClassDef):
                    self._dataclass_fields(module, node)
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                args = node.args
                names = [a.arg for a in args.posonlyargs + args.args]
                kwonly = [a.arg for a in args.kwonlyargs]
                if "code" not in names and "code" not in kwonly:
                    continue
                parameter = next(a for a in args.posonlyargs + args.args + args.kwonlyargs if a.arg == "code")
                if parameter.annotation is not None and "str" not in _dotted(parameter.annotation):
                    continue  # a ``code`` that is not a diagnosis code (``code: DeviceCode``)
                parent = module.parents.get(node)
                is_method = isinstance(parent, ast.ClassDef)
                positional = names[1:] if is_method and names and names[0] in ("self", "cls") else names
                index = positional.index("code") if "code" in positional else None
                where = f"{module.rel}:{node.lineno}"
                if is_method and node.name == "__init__":
                    assert isinstance(parent, ast.ClassDef)
                    self.callables[("name", parent.name)].append(_Callable(index, where))
                    self.callables[("attr", parent.name)].append(_Callable(index, where))
                elif is_method:
                    self.callables[("attr", node.name)].append(_Callable(index, where))
                else:
                    self.callables[("name", node.name)].append(_Callable(index, where))
                    if parent is module.tree:  # a module's function may be called as module.function()
                        self.callables[("attr", node.name)].append(_Callable(index, where))
                self._parameter_default(module, node)

    def _dataclass_fields(self, module: _Module, node: ast.ClassDef) -> None:
        decorated = any("dataclass" in _dotted(d) for d in node.decorator_list)
        if not decorated:
            return
        fields = [
            s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
        ]
        if "code" not in fields:
            return
        where = f"{module.rel}:{node.lineno}"
        self.callables[("name", node.name)].append(_Callable(fields.index("code"), where))
        self.callables[("attr", node.name)].append(_Callable(fields.index("code"), where))
        for statement in node.body:
            if (
                isinstance(statement, ast.AnnAssign)
                and _dotted(statement.target) == "code"
                and statement.value
            ):
                self._read(module, statement.value, statement, "dataclass field default", allow_empty=True)

    def _parameter_default(self, module: _Module, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        positional = args.posonlyargs + args.args
        defaults = dict(
            zip(
                [a.arg for a in positional[len(positional) - len(args.defaults) :]],
                args.defaults,
                strict=True,
            )
        )
        defaults.update(
            {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None}
        )
        if "code" in defaults:
            self._read(module, defaults["code"], node, f"default of {node.name}(code=...)", allow_empty=True)

    # --- reading one code expression ------------------------------------------------------------------

    def _emit(self, module: _Module, node: ast.AST, code: str, how: str) -> None:
        self.scan.emitted[code].append(Found(module.rel, getattr(node, "lineno", 0), how))

    def _unreadable(self, module: _Module, node: ast.AST, what: str) -> None:
        self.scan.unreadable.append(f"{module.rel}:{getattr(node, 'lineno', 0)}: {what}")

    def _read(
        self, module: _Module, value: ast.expr, site: ast.AST, how: str, *, allow_empty: bool = False
    ) -> None:
        """One expression given as a code: emitted, passed through, or unreadable (never ignored)."""
        if isinstance(value, ast.Constant):
            self.consumed.add(id(value))
            if value.value is None or (allow_empty and value.value == ""):
                return
            if _is_code(value.value):
                self._emit(module, value, value.value, how)
            else:
                self._unreadable(module, value, f"{how}: {value.value!r} is not an UPPER_SNAKE code")
            return
        if isinstance(value, ast.IfExp):
            self._read(module, value.body, site, how)
            self._read(module, value.orelse, site, how)
            return
        if isinstance(value, ast.BoolOp):  # ``code or self.default_code``: each side must be readable
            for item in value.values:
                self._read(module, item, site, how)
            return
        if isinstance(value, ast.Attribute) and value.attr in ("code", "default_code"):
            return  # an existing diagnosis passed on (re-raise, copy)
        if isinstance(value, ast.Subscript) and _dotted(value.slice) in ("'code'", '"code"'):
            return  # a code read back from data (a stored result)
        if _reads_code_key(value):
            return  # ``d.get("code")``: read back from data
        if isinstance(value, ast.Name):
            self._read_name(module, value, site, how)
            return
        self._unreadable(module, value, f"{how}: cannot read the code {_dotted(value)!r}")

    def _read_name(self, module: _Module, value: ast.Name, site: ast.AST, how: str) -> None:
        function = module.enclosing_function(site) if not isinstance(site, ast.FunctionDef) else None
        if function is not None:
            params = {
                a.arg for a in function.args.posonlyargs + function.args.args + function.args.kwonlyargs
            }
            if value.id in params and value.id == "code":
                return  # the helper's own ``code`` parameter: its callers are read where they call it
            unpacked = self._unpacked_from(module, function, value.id)
            if unpacked is not None:
                for source in unpacked:
                    self._read_table_source(module, source, how)
                return
        resolved = self._constant(module, value.id)
        if resolved is not None:
            owner, expr = resolved
            self._read(owner, expr, site, f"{how} via {value.id}")
            return
        self._unreadable(module, value, f"{how}: cannot resolve the name {value.id!r}")

    def _constant(self, module: _Module, name: str) -> tuple[_Module, ast.expr] | None:
        if name in module.constants:
            return module, module.constants[name]
        if name in module.imports:
            source, original = module.imports[name]
            other = self.by_name.get(source)
            if other is not None and original in other.constants:
                return other, other.constants[original]
        return None

    def _unpacked_from(self, module: _Module, function: ast.AST, name: str) -> list[ast.expr] | None:
        """Every expression a local ``name`` was unpacked from first (``code, meaning, fix = EXPR``), or
        None when it never was."""
        sources = []
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Tuple)
            ):
                names = [_dotted(t) for t in node.targets[0].elts]
                if names and names[0] == name:
                    sources.append(node.value)
        return sources or None

    def _read_table_source(self, module: _Module, source: ast.expr, how: str) -> None:
        """``T.get(k, default)``, ``T[k]`` of a table of code tuples, or a call to a function returning
        code tuples: every code it can produce is read from the table / the returns."""
        if (
            isinstance(source, ast.Call)
            and isinstance(source.func, ast.Attribute)
            and source.func.attr == "get"
        ):
            table = source.func.value
            if len(source.args) > 1:
                self._read_code_tuple(module, source.args[1], f"{how}: default of {_dotted(table)}.get")
            if isinstance(table, ast.Name) and self._constant(module, table.id) is not None:
                owner, expr = self._constant(module, table.id)  # type: ignore[misc]
                self._read_table(owner, expr, f"table {table.id}")
                return
        if isinstance(source, ast.Subscript) and isinstance(source.value, ast.Name):
            found = self._constant(module, source.value.id)
            if found is not None:
                self._read_table(found[0], found[1], f"table {source.value.id}")
                return
        if isinstance(source, ast.Call) and isinstance(source.func, ast.Name):
            target = next(
                (
                    n
                    for n in ast.walk(module.tree)
                    if isinstance(n, ast.FunctionDef) and n.name == source.func.id
                ),
                None,
            )
            if target is not None:
                for node in ast.walk(target):
                    if isinstance(node, ast.Return) and node.value is not None:
                        self._read_code_tuple(
                            module, node.value, f"{how}: returned by {target.name}()", site=node
                        )
                return
        self._unreadable(module, source, f"{how}: cannot read where the code comes from ({_dotted(source)})")

    def _read_table(self, module: _Module, expr: ast.expr, how: str) -> None:
        if not isinstance(expr, ast.Dict):
            self._unreadable(module, expr, f"{how} is not a dict literal")
            return
        for value in expr.values:
            self._read_code_tuple(module, value, how)

    def _read_code_tuple(
        self, module: _Module, expr: ast.expr, how: str, site: ast.AST | None = None
    ) -> None:
        if isinstance(expr, ast.Tuple) and expr.elts:
            self._read(module, expr.elts[0], site or expr, how)
            return
        self._unreadable(module, expr, f"{how}: {_dotted(expr)[:60]!r} is not a (code, ...) tuple")

    # --- the walk ------------------------------------------------------------------------------------

    def walk(self) -> None:
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ClassDef):
                    self._class(module, node)
                elif isinstance(node, ast.Call):
                    self._call(module, node)
                elif isinstance(node, ast.Assign):
                    self._assign(module, node)
                elif isinstance(node, ast.Compare):
                    self._compare(module, node)
                elif isinstance(node, ast.Dict) and not module.in_emulator:
                    self._dict(module, node)
            if not module.in_emulator:
                self._leftovers(module)

    def _class(self, module: _Module, node: ast.ClassDef) -> None:
        if module.in_emulator and not {_dotted(b) for b in node.bases} & self.spkit_errors:
            return
        for statement in node.body:
            if isinstance(statement, ast.Assign) and [_dotted(t) for t in statement.targets] == [
                "default_code"
            ]:
                self._read(module, statement.value, statement, f"class {node.name}.default_code")

    def _call(self, module: _Module, node: ast.Call) -> None:
        key = _callee(node)
        if module.in_emulator and (key is None or key[1] not in self.spkit_errors):
            return  # the emulator's own errors carry Microsoft's codes
        for keyword in node.keywords:
            if keyword.arg == "code":
                self._read(module, keyword.value, node, f"code= in {_dotted(node.func)}()")
        if key is None or key not in self.callables:
            return
        indexes = {c.index for c in self.callables[key]}
        indexes.discard(None)
        if not indexes:
            return
        if len(indexes) > 1:
            if len(node.args) > min(indexes):
                places = ", ".join(c.where for c in self.callables[key])
                self._unreadable(
                    module, node, f"{_dotted(node.func)}() takes code at different positions ({places})"
                )
            return
        index = indexes.pop()
        if len(node.args) > index and not any(isinstance(a, ast.Starred) for a in node.args[: index + 1]):
            self._read(module, node.args[index], node, f"code argument of {_dotted(node.func)}()")

    def _assign(self, module: _Module, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "code":
                self._read(module, node.value, node, f"{_dotted(target)} =")

    def _compare(self, module: _Module, node: ast.Compare) -> None:
        sides = [node.left, *node.comparators]
        if not any(isinstance(s, ast.Attribute) and s.attr == "code" for s in sides):
            return
        for side in sides:
            for constant in self._constants_in(module, side):
                self.consumed.add(id(constant))
                if _is_code(constant.value):
                    self.scan.referenced[constant.value].append(Found(module.rel, node.lineno, "compared"))

    def _constants_in(self, module: _Module, expr: ast.expr) -> list[ast.Constant]:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [expr]
        if isinstance(expr, ast.Tuple | ast.List | ast.Set):
            return [c for e in expr.elts for c in self._constants_in(module, e)]
        if isinstance(expr, ast.Name):
            found = self._constant(module, expr.id)
            if found is not None:
                return self._constants_in(found[0], found[1])
        return []

    def _dict(self, module: _Module, node: ast.Dict) -> None:
        """A table literal: every value a tuple whose first item is a code."""
        values = node.values
        if values and all(
            isinstance(v, ast.Tuple)
            and v.elts
            and isinstance(v.elts[0], ast.Constant)
            and _is_code(v.elts[0].value)
            for v in values
        ):
            for value in values:
                assert isinstance(value, ast.Tuple)
                self._read(module, value.elts[0], node, "table value")

    def _leftovers(self, module: _Module) -> None:
        """An UPPER_SNAKE string that no pattern read and that is not an environment variable, a metavar,
        ``__all__`` or a constant named ``*_ENV`` / ``ENV_*`` is a code-like construct nobody can read."""
        allowed: set[int] = set()
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call):
                name = _dotted(node.func)
                if name in ENV_CALLS or name in NON_CODE_CALLS or name.endswith("environ.get"):
                    allowed.update(id(a) for a in node.args)
                for keyword in node.keywords:
                    if keyword.arg in NON_CODE_KEYWORDS:
                        allowed.add(id(keyword.value))
            elif isinstance(node, ast.Subscript) and "env" in _dotted(node.value).lower():
                allowed.add(id(node.slice))  # os.environ["X"], child_env["X"]
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Tuple | ast.List):
                loop = _dotted(node.target)
                uses_env = any(
                    isinstance(n, ast.Call) and _dotted(n.func) in ENV_CALLS and loop in map(_dotted, n.args)
                    for n in ast.walk(node)
                )
                if uses_env:  # for name in ("REQUESTS_CA_BUNDLE", ...): os.environ.get(name)
                    allowed.update(id(c) for c in node.iter.elts)
            elif isinstance(node, ast.Compare) and any(
                _dotted(c).endswith("environ") for c in node.comparators
            ):
                allowed.add(id(node.left))
            elif isinstance(node, ast.FunctionDef) and node.name in ("__getattr__", "__dir__"):
                # PEP 562 module attributes (``USER_AGENT``) are names, not codes
                allowed.update(id(c) for c in ast.walk(node) if isinstance(c, ast.Constant))
            elif isinstance(node, ast.Assign):
                names = [_dotted(t) for t in node.targets]
                flat = [n.strip() for t in names for n in t.split(",")]
                if any(n == "__all__" or n.endswith("_ENV") or n.startswith("ENV_") for n in flat):
                    allowed.update(id(c) for c in ast.walk(node.value) if isinstance(c, ast.Constant))
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if not LOOKS_LIKE_CODE.match(node.value):
                continue
            if id(node) in self.consumed or id(node) in allowed:
                continue
            parent = module.parents.get(node)
            if isinstance(parent, ast.Expr):  # a docstring or bare string
                continue
            self._unreadable(module, node, f"{node.value!r} looks like a code, but no pattern reads it")


def scan_codes(root: Path = ROOT) -> Scan:
    """Scan ``spkit/`` (or another package tree) once: the codes emitted (with where), those compared
    against, and what no pattern could read."""
    scanner = _Scanner(root)
    scanner.collect_callables()
    scanner.walk()
    return scanner.scan
