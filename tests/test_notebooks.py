"""Every notebook runs headless without a cell error, and is committed without outputs.

The full executions take minutes, so they carry the ``extended`` marker (CI runs them in its
second step, ``python -m pytest -m extended``), with the import statements of all notebooks in
one kernel. The default run keeps a smoke version: every code cell of every notebook parses,
the import statements of all of them run in this process (a renamed or removed name that a
notebook imports fails there), and a kernel runs a cell and reports a failing one.

The kernel is the interpreter running the tests: a kernel spec pointing at ``sys.executable`` is
written to a temporary Jupyter data directory (put first on ``JUPYTER_PATH``), so a notebook
always sees the same installed packages as the tests, in a fresh virtual environment too.
Figures are drawn with the non-interactive Agg backend.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import nbformat
import pytest
from ipykernel.kernelspec import install as install_kernelspec
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL_NAME = "ssm-theory-verify-tests"
CELL_TIMEOUT = 300  # seconds per cell


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory: pytest.TempPathFactory) -> Any:
    prefix = tmp_path_factory.mktemp("jupyter")
    install_kernelspec(kernel_name=KERNEL_NAME, prefix=str(prefix))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        mp.setenv("MPLBACKEND", "Agg")
        yield KERNEL_NAME


def _execute(nb: nbformat.NotebookNode, kernel_name: str, cwd: Path) -> None:
    """Run every cell of ``nb`` in place; raises on the first cell error."""
    NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()


def _stored_outputs(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of code cells that carry outputs or an execution count."""
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            and (cell.get("outputs") or cell.get("execution_count") is not None)]


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no .ipynb file"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert _stored_outputs(nb) == [], f"{path.name}: clear the outputs before committing"


def _code_cells(nb: nbformat.NotebookNode) -> list[ast.Module]:
    """The code cells of ``nb`` as Python syntax trees (IPython magics turned into calls)."""
    transform = TransformerManager().transform_cell
    return [ast.parse(transform(cell.source)) for cell in nb.cells if cell.cell_type == "code"]


def _import_statements(nb: nbformat.NotebookNode) -> list[str]:
    """The top-level import statements of the code cells of ``nb``, in order."""
    return [ast.unparse(node) for tree in _code_cells(nb) for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom))]


def _all_imports() -> str:
    """The import statements of every notebook, one a line (from theory and verify among them)."""
    imports = [line for path in NOTEBOOKS
               for line in _import_statements(nbformat.read(path, as_version=4))]
    assert any(line.startswith("from theory") for line in imports)
    assert any(line.startswith("from verify") for line in imports)
    return "\n".join(imports)


def test_every_notebook_import_resolves() -> None:
    """Smoke version of the full executions: all import statements, in this process (a kernel
    starting and importing them takes seconds; the test below does, under ``extended``)."""
    exec(compile(_all_imports(), "<notebook imports>", "exec"), {})


@pytest.mark.extended
def test_every_notebook_imports_run_in_the_kernel(kernel_name: str, tmp_path: Path) -> None:
    """All import statements, in one kernel."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_all_imports())])
    _execute(nb, kernel_name, tmp_path)


@pytest.mark.extended
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path: Path, kernel_name: str) -> None:
    nb = nbformat.read(path, as_version=4)
    _execute(nb, kernel_name, path.parent)
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
              if o.output_type == "error"]
    assert errors == []
    assert _stored_outputs(nb), "executing the notebook produced no output at all"


# ---------------------------------------------------------------- negative controls
def test_a_failing_cell_fails_the_run(kernel_name: str, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nassert os.environ['MPLBACKEND'] == 'Agg'"),
        nbformat.v4.new_code_cell("assert 1 + 1 == 3, 'deliberately broken cell'"),
    ])
    with pytest.raises(CellExecutionError, match="deliberately broken cell"):
        _execute(nb, kernel_name, tmp_path)


def test_the_smoke_run_reads_every_import_and_refuses_bad_syntax() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("import not_this"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport os\nx = 1\nfrom theory import W"),
        nbformat.v4.new_code_cell("def f():\n    import sys  # not top level: runs with f\n"),
    ])
    assert _import_statements(nb) == ["import os", "from theory import W"]
    nb.cells.append(nbformat.v4.new_code_cell("x = (1"))
    with pytest.raises(SyntaxError):
        _code_cells(nb)


def test_a_stored_output_is_noticed() -> None:
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                           execution_count=1)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("x"), cell])
    assert _stored_outputs(nb) == [1]
    cell.outputs = []
    assert _stored_outputs(nb) == [1]  # the execution count alone still counts
