"""The foundation knows no domain: no module of guanai/core imports another guanai app
(the shell, guanai/web, included: it sits above every app).

Every module under guanai/core is read, migrations and management commands included; only
core's own tests are left out (they drive the whole site, and the attack suite must know
every app). Imports are found wherever they are written: at the top, inside a function,
under `if TYPE_CHECKING:`, and relative ones resolved against the module's package. What the
walk cannot see: a module named in a string (a setting, importlib), which core has none of.
"""

import ast
from pathlib import Path

import guanai.core

CORE = Path(guanai.core.__file__).parent
ALLOWED = "guanai.core"


def imported_modules(path: Path, module: str) -> set[str]:
    """Every module the file (the module `module`; a package's name for its __init__.py)
    imports, with absolute names (`from a import b` gives `a` and `a.b`, since b may be a
    module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                parent = ".".join([*base, node.module] if node.module else base)
            else:
                parent = node.module or ""
            found.add(parent)
            found.update(f"{parent}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def foreign_imports(root: Path, package: str, allowed: str) -> list[str]:
    """`file: module` for each import of a guanai module outside `allowed`, in the files
    under root (the package `package`), its tests left out."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] == "tests":
            continue
        parts = relative.with_suffix("").parts
        module = ".".join([package, *(parts[:-1] if path.name == "__init__.py" else parts)])
        for name in sorted(imported_modules(path, module)):
            inside = name == allowed or name.startswith(f"{allowed}.")
            if name.startswith("guanai.") and not inside:
                found.append(f"{relative}: {name}")
    return found


def test_core_imports_no_other_guanai_app():
    assert foreign_imports(CORE, "guanai.core", ALLOWED) == []


def test_the_walk_reads_every_module_of_core_but_its_tests():
    modules = {str(p.relative_to(CORE)) for p in CORE.rglob("*.py")}
    assert {"middleware.py", "management/commands/backup.py", "migrations/__init__.py"} <= modules
    # The walk sees core's own imports (and no tests'): a walk that read nothing would pass.
    seen = imported_modules(CORE / "middleware.py", "guanai.core.middleware")
    assert "guanai.core.error_views" in seen


def test_the_walk_finds_a_domain_app_however_it_is_imported(tmp_path):
    core = tmp_path / "core"
    (core / "sub").mkdir(parents=True)
    (core / "tests").mkdir()
    (core / "__init__.py").write_text("")
    (core / "plain.py").write_text("import guanai.children.models\nimport os\n")
    (core / "aliased.py").write_text("from guanai import accounts as acc\n")
    (core / "late.py").write_text(
        "def f():\n    from guanai.audit.selectors import x\n    return x\n"
    )
    (core / "typing_only.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from guanai.web.menu import MenuEntry\n"
    )
    (core / "sub" / "__init__.py").write_text("from ...retention import selectors\n")
    (core / "sub" / "relative.py").write_text(
        "from .. import crypto\nfrom ..fields import x\nfrom ...conflicts.models import y\n"
    )
    (core / "tests" / "test_x.py").write_text("import guanai.demo\n")

    assert foreign_imports(core, "guanai.core", ALLOWED) == [
        "aliased.py: guanai.accounts",
        "late.py: guanai.audit.selectors",
        "late.py: guanai.audit.selectors.x",
        "plain.py: guanai.children.models",
        "sub/__init__.py: guanai.retention",
        "sub/__init__.py: guanai.retention.selectors",
        "sub/relative.py: guanai.conflicts.models",
        "sub/relative.py: guanai.conflicts.models.y",
        "typing_only.py: guanai.web.menu",
        "typing_only.py: guanai.web.menu.MenuEntry",
    ]
