"""The pytest plugin: a pytest11 entry point, whose fixtures the example project's tests use."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pytest-plugin"


def test_the_plugin_is_a_pytest11_entry_point() -> None:
    import tomllib  # Python 3.11+, as in test_examples.py

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["entry-points"]["pytest11"] == {
        "sigv4client": "sigv4client.pytest_plugin"
    }
    installed = {e.name: e.value for e in entry_points(group="pytest11")}
    assert installed.get("sigv4client") == "sigv4client.pytest_plugin", (
        "reinstall the package (pip install -e .) to register the entry point"
    )


def test_the_example_projects_tests_pass_with_the_fixtures() -> None:
    # As a user runs them: in the project's folder, the plugin found by its entry point.
    done = subprocess.run(  # our own argument list
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "5 passed" in done.stdout


def test_a_project_without_an_api_setting_is_told_what_to_set(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_x.py").write_text(
        "def test_x(sigv4client_gateway):\n    pass\n", encoding="utf-8"
    )
    done = subprocess.run(  # our own argument list
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert "set one of sigv4client_openapi or sigv4client_sam" in done.stdout + done.stderr
