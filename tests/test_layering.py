"""The package's layers import only downwards (DESIGN.md §2).

Checked from the source with ``ast``: every ``mpcarray`` import of a module is
compared with the layer order below.
"""

import ast
import subprocess
import sys
from pathlib import Path

import mpcarray

PACKAGE = Path(mpcarray.__file__).parent

#: Layers from the bottom up; a module may import its own layer and those before it.
LAYERS = [
    {"errors", "memory", "compile_notice", "lazy_imports"},
    {"kernels"},
    {"domains"},
    {"schemes"},
    {"transport"},
    {"preprocessing"},
    {"disclosure"},
    {"runtime"},
    {"protocols"},
    {"array"},
    {"functions"},
    {"session"},
    {"privacy", "linkage"},
    {"stats"},
    {"models"},
    {"launch"},
    {"demo", "cli", "__init__", "__main__"},
]


def layer_of(top: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if top in names)


def imported_tops(path: Path):
    """Top-level ``mpcarray`` subpackages or modules imported by the file at ``path``."""
    tree = ast.parse(path.read_text())
    package_parts = path.relative_to(PACKAGE).with_suffix("").parts
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package_parts[: len(package_parts) - node.level])
            if node.module:
                yield (base + node.module.split("."))[0]
            else:
                yield from ((base + [alias.name])[0] for alias in node.names)
            continue
        if isinstance(node, ast.ImportFrom):
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for parts in (name.split(".") for name in names):
            if parts[0] == "mpcarray":
                yield parts[1] if len(parts) > 1 else "__init__"


def top_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_every_module_belongs_to_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(top_of(path))


def test_imports_only_go_down():
    violations = []
    for path in PACKAGE.rglob("*.py"):
        top = top_of(path)
        for imported in imported_tops(path):
            if layer_of(imported) > layer_of(top):
                violations.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert not violations, "layering violations:\n" + "\n".join(violations)


def test_import_needs_only_the_core_dependencies():
    """``pip install .`` brings numpy, numba, galois, scikit-learn (scipy) and cryptography only:
    importing mpcarray must not need the test or notebook extras (pandas, lifelines, statsmodels)."""
    blocked = ["pandas", "lifelines", "statsmodels", "hypothesis", "pytest", "matplotlib"]
    code = f"import sys\nfor name in {blocked!r}:\n    sys.modules[name] = None\nimport mpcarray\n"
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
