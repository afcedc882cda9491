"""Does courselib stay free of assignment answers? No public name in it equals a graded one.

A graded name is a top-level `def`/`class` in a solution cell (metadata nbgrader.solution
true) of any solutions/*/*.ipynb, plus a fixed floor taken from the assignment specs, so
the check bites even before the notebooks exist.
"""
import ast
import importlib
import inspect
import pkgutil
import re
import types
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

import courselib

ROOT = Path(__file__).resolve().parents[1]
FLOOR = {
    "linear_forward", "linear_backward", "relu_forward", "relu_backward", "tanh_forward",
    "tanh_backward", "softmax_cross_entropy", "numerical_gradient", "init_weights", "MLP",
    "sgd_step", "scaled_dot_product_attention", "causal_mask", "sinusoidal_positional_encoding",
    "MultiHeadAttention", "TransformerBlock", "LoRALinear", "inject_lora", "count_parameters",
    "lora_state_dict",
}
TOP_LEVEL_DEF = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.M)


def defined_names(source: str) -> set:
    """Top-level def/class names of a code cell; IPython magics allowed, regex if it won't parse."""
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:                      # a half-written cell still names its functions
        return set(TOP_LEVEL_DEF.findall(source))
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def graded_names(notebook_paths) -> set:
    """Names defined in the solution code cells of the given nbgrader source notebooks."""
    names = set()
    for path in notebook_paths:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
                names |= defined_names(cell.source)
    return names


def public_names(module) -> set:
    """Public functions and classes reachable as attributes of a module (imported ones too)."""
    return {name for name, obj in vars(module).items() if not name.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj))}


def clashes(modules, graded) -> list:
    """'module.name' for every public name of the modules that is also a graded name."""
    return sorted(f"{module.__name__}.{name}" for module in modules
                  for name in public_names(module) & set(graded))


def courselib_modules() -> list:
    """The package and every module in it."""
    found = [importlib.import_module(info.name)
             for info in pkgutil.walk_packages(courselib.__path__, prefix="courselib.")]
    return [courselib, *found]


def test_no_courselib_name_is_graded():
    """Is every public courselib name different from every graded function/class name?"""
    notebooks = sorted(ROOT.glob("solutions/*/*.ipynb"))
    graded = FLOOR | graded_names(notebooks)
    modules = courselib_modules()
    assert {"courselib.data", "courselib.gradcheck", "courselib.plotting"} <= {
        m.__name__ for m in modules}
    found = clashes(modules, graded)
    assert not found, (f"courselib exposes graded names {found} (checked against "
                       f"{len(notebooks)} solution notebooks); rename or remove them")


def test_checker_flags_a_clash():
    """Self-test: does the checker report graded names in a module, and nothing else?"""
    fake = types.ModuleType("fake_helpers")
    exec("def linear_forward(x): return x\n"
         "class MultiHeadAttention: pass\n"
         "def _causal_mask(): pass\n"          # private: not a public name
         "def plot_attention(): pass\n"
         "import math\n", fake.__dict__)
    assert clashes([fake], FLOOR) == ["fake_helpers.MultiHeadAttention",
                                      "fake_helpers.linear_forward"]


def test_reader_takes_only_solution_cells(tmp_path):
    """Self-test: solution code cells count (magics fine, unparsable via regex); others do not."""
    def cell(source, solution, kind=nbformat.v4.new_code_cell):
        new = kind(source)
        new.metadata["nbgrader"] = {"solution": solution, "grade_id": f"c{len(source)}"}
        return new
    notebook = nbformat.v4.new_notebook(cells=[
        cell("%matplotlib inline\ndef graded_fn(x):\n    ### BEGIN SOLUTION\n"
             "    def inner(): pass\n    return x\n    ### END SOLUTION\n"
             "class GradedModel:\n    def method(self): pass\n", True),
        cell("def half_written(x):\n    return (\n", True),
        cell("def prompt_helper(): pass\n", False),
        cell("def in_markdown(): pass\n", True, kind=nbformat.v4.new_markdown_cell),
    ])
    path = tmp_path / "demo.ipynb"
    nbformat.write(notebook, path)
    assert graded_names([path]) == {"graded_fn", "GradedModel", "half_written"}
