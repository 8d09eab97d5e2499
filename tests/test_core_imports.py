"""The core does not import the domain: governance's kernel modules name no domain app (the
area tree may be named for type checking only), and no two of them import each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KERNEL = ["models", "scoping", "permissions", "services", "selectors", "notification_mail", "tasks"]
DOMAIN_APPS = {"grid", "population", "disputes", "patrols", "campaigns"}


def runtime_imports(module: str) -> set[str]:
    """Modules imported by governance/<module>.py at run time, at any depth (a function-level
    import is an import too); imports under `if TYPE_CHECKING:` are left out."""
    tree = ast.parse((ROOT / "governance" / f"{module}.py").read_text())
    skipped = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for node in ast.walk(branch)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", KERNEL)
def test_the_kernel_module_imports_no_domain_app(module):
    domain = {name for name in runtime_imports(module) if name.split(".")[0] in DOMAIN_APPS}
    assert not domain, f"governance/{module}.py imports {sorted(domain)}"


def test_no_two_kernel_modules_import_each_other():
    graph = {
        module: {
            name.removeprefix("governance.")
            for name in runtime_imports(module)
            if name.startswith("governance.")
        }
        for module in KERNEL
    }
    cycles = sorted(
        (a, b) for a in KERNEL for b in graph[a] if b in graph and a in graph[b] and a < b
    )
    assert not cycles, f"import cycles: {cycles}"
