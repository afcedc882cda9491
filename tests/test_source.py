"""autograder/source.py: the grader's static "does this function use X?" check."""
from autograder.source import forbidden_uses

CODE = "\n# %% cell\n".join([
    "import torch\nimport torch.nn.functional as F\nimport numpy as np\nx = torch.randn(2, 3)",
    "def helper(v):\n    return torch.tensor(v)",
    "def uses_helper(v):\n    return helper(v)",
    "def clean(x, W, b):\n    out = x @ W + b\n    return out, (x, W)",
    "def sdpa(q, k, v):\n    return F.scaled_dot_product_attention(q, k, v)",
    "def scaled_dot_product_attention(q, k, v):\n    return q",
    "class MHA:\n    def forward(self, x):\n        return scaled_dot_product_attention(x, x, x)",
    "def sneaky(v):\n    return __import__('torch')",
    "def uses_global_x(v):\n    return v + x",
    "def local_import(v):\n    import torch as T\n    return T.ones(1)",
    "%matplotlib inline\n!pip list",
    "def broken(:",
])
FORBIDDEN = ("torch", "scaled_dot_product_attention")


def test_follows_the_notebooks_own_helpers():
    """Is torch found through a helper function the notebook defines?"""
    assert forbidden_uses(CODE, "uses_helper", ("torch",)) == [("torch", "helper")]


def test_parameters_and_locals_are_not_globals():
    """Does a parameter named like a torch-built global (`x`) leave a numpy function clean?"""
    assert forbidden_uses(CODE, "clean", ("torch",)) == []
    assert forbidden_uses(CODE, "uses_global_x", ("torch",)) == [("torch", "x")]   # x = torch.randn(...)


def test_aliases_attributes_strings_and_local_imports():
    """Are F.<forbidden>, __import__('torch') and a local `import torch as T` all caught?"""
    assert ("scaled_dot_product_attention", "sdpa") in forbidden_uses(CODE, "sdpa", FORBIDDEN)
    assert forbidden_uses(CODE, "sneaky", ("torch",)) == [("torch", "sneaky")]
    assert forbidden_uses(CODE, "local_import", ("torch",)) == [("torch", "local_import")]


def test_the_students_own_function_named_like_a_forbidden_one_is_fine():
    """Does calling the student's own `scaled_dot_product_attention` count as clean?"""
    assert forbidden_uses(CODE, "MHA", FORBIDDEN) == []


def test_unknown_names_and_broken_cells_are_harmless():
    """Do magics, a cell with a syntax error and an undefined name give [] rather than an error?"""
    assert forbidden_uses(CODE, "missing", FORBIDDEN) == []
