"""The notebooks in notebooks/ are stored without outputs and run from top to bottom
without an error (nbclient, the ``python3`` kernel of this environment), so they never
rot. Each runs in notebooks/ as its working directory, as Jupyter would start it."""

from __future__ import annotations

import time

import nbformat
import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

#: Notebooks taking more than ~20 s (still run by `make test` and CI; `make test-fast`
#: leaves them out): all of them — each starts a kernel and simulates the real port
#: for tens of seconds or more.
SLOW = {"01-quick-start", "02-channel-upgrades", "03-can-qinzhou-reach-8m-teu",
        "04-growth-to-2035"}


def test_there_are_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= SLOW


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} cell {i} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has a count"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", [
    pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW else [])
    for p in NOTEBOOKS])
def test_notebook_runs(path, capsys):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    with capsys.disabled():
        print(f"\n{path.name}: ran in {time.perf_counter() - t0:.0f} s", end="")
