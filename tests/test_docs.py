"""The generated documentation pages match the code they describe."""

import doctest
import importlib
import importlib.util
import re
import runpy
from pathlib import Path

import pytest

import mpcarray as mpc

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load(script: str):
    spec = importlib.util.spec_from_file_location(script, DOCS / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_operations_page_is_generated_from_the_registry():
    page = _load("operations_table")
    assert (DOCS / "operations.md").read_text() == page.render(), (
        "docs/operations.md is stale: run `python docs/operations_table.py`")
    for name in mpc.supported_ufuncs() + mpc.supported_functions():
        assert f"`{name}`" in page.render()


def test_every_public_name_is_in_the_api_reference():
    documented = set(re.findall(r"^::: mpcarray\.(\w+)", (DOCS / "api.md").read_text(), re.MULTILINE))
    public = {name for name in mpc.__all__ if not name.startswith("_")}
    public -= {"supported_functions", "supported_ufuncs"}  # described by the operations page
    exceptions = {name for name in public if isinstance(getattr(mpc, name), type)
                  and issubclass(getattr(mpc, name), Exception)}
    assert public - exceptions - documented == set()
    assert "errors" in documented  # the exceptions are documented through their module


def test_schemes_page_examples_run(tmp_path):
    """Every Python block of docs/schemes.md runs (its asserts check the results)."""
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "schemes.md").read_text(), re.DOTALL)
    assert blocks
    for number, block in enumerate(blocks):
        script = tmp_path / f"schemes_block_{number}.py"
        script.write_text(block)
        runpy.run_path(str(script))


@pytest.mark.parametrize("module", ["mpcarray.session", "mpcarray.array.owner", "mpcarray.disclosure.audit",
                                    "mpcarray.disclosure.audit_verify", "mpcarray.disclosure.mechanisms",
                                    "mpcarray.disclosure.policy", "mpcarray.privacy.dp", "mpcarray.privacy.suppression",
                                    "mpcarray.linkage.intersection", "mpcarray.array.shared_array",
                                    "mpcarray.array.logic", "mpcarray.functions.order", "mpcarray.functions.spread",
                                    "mpcarray.stats.order", "mpcarray.stats.cohort",
                                    "mpcarray.stats.surveillance",
                                    "mpcarray.stats.anomaly", "mpcarray.models.linear"])
def test_docstring_examples_run(module):
    """The Examples sections of public docstrings print what they claim."""
    failures, attempted = doctest.testmod(importlib.import_module(module))
    assert attempted and not failures
