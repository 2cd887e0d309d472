"""Executes notebooks/explore.ipynb against a dataset and checks it ran green with its plots.

usage: run_notebook.py OUTPUT_DIR INPUT_DIR EXECUTED.ipynb
Prints the closing line '1 passed, 0 failed' (or '0 passed, 1 failed') for CI.
"""
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def main():
    out, inp, executed = (Path(a).resolve() for a in sys.argv[1:4])
    root = Path(__file__).resolve().parents[1]
    nb = nbformat.read(root / "notebooks" / "explore.ipynb", as_version=4)
    os.environ["GOVREPORT_OUTPUT"] = str(out)
    os.environ["GOVREPORT_INPUT"] = str(inp)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(root / "notebooks")}})
    try:
        client.execute()
    except Exception as e:  # a failing cell: report it and the closing line
        executed.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, executed)
        print(f"notebook failed: {e}")
        print("0 passed, 1 failed")
        sys.exit(1)
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, executed)
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if images < 2 or errors:
        print(f"notebook ran but rendered {images} plots and {len(errors)} errors (want >= 2 plots, 0 errors)")
        print("0 passed, 1 failed")
        sys.exit(1)
    print(f"notebook executed: {len(nb.cells)} cells, {images} plots -> {executed}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
