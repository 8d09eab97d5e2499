"""Settings read the environment only through the env_* helpers and write nothing on import."""

import ast
import os
import subprocess
import sys
from pathlib import Path

SETTINGS = Path(__file__).resolve().parent.parent / "governance" / "settings.py"


def test_importing_the_settings_creates_no_directory(tmp_path):
    var = tmp_path / "var"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env |= {"VAR_DIR": str(var), "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "-c", "import governance.settings"],
        cwd=SETTINGS.parent.parent,
        env=env,
        check=True,
    )
    assert not var.exists()


def test_the_environment_is_read_only_inside_the_env_helpers():
    tree = ast.parse(SETTINGS.read_text())
    helpers = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("env_")
    }
    outside = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and not any(
            helper.lineno <= node.lineno <= helper.end_lineno for helper in helpers.values()
        )
    ]
    assert helpers and not outside, f"os.environ read outside env_* at lines {outside}"
