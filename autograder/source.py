"""Static checks on a submission's source, done by the grader (never by the student's process).

`forbidden_uses(code, name, forbidden)` answers "does `name` use torch?" by parsing the
submitted cells: it follows the notebook's own top-level functions and classes that `name`
calls, resolves import aliases (`import torch.nn.functional as F`), and respects scopes (a
parameter or local variable called `x` is not the global `x`). Code assembled from strings
at run time can evade it; results are still checked against oracles, so that costs nothing
in correctness.
"""
import ast

CELL_SEPARATOR = "\n# %% cell\n"
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def parse_cells(code):
    """Top-level statements of every code cell that parses (magics and shell lines dropped)."""
    body = []
    for cell in code.split(CELL_SEPARATOR):
        lines = [line for line in cell.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            body += ast.parse("\n".join(lines)).body
        except SyntaxError:
            continue
    return body


def top_level(body):
    """(definitions: name -> node, import aliases: name -> module path) of the notebook."""
    defs, aliases = {}, {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        defs[leaf.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            aliases.update(_aliases(node))
    return defs, aliases


def _aliases(node):
    if isinstance(node, ast.ImportFrom):
        return {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names}
    return {a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0] for a in node.names}


def _own_nodes(fn):
    """Nodes of a function's body, not descending into nested functions, lambdas or classes."""
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, FUNCTIONS + (ast.ClassDef,)):
            todo.extend(ast.iter_child_nodes(node))


def local_names(fn):
    """Parameters and names bound inside `fn`, minus those declared global or nonlocal."""
    args = fn.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    declared = set()
    for node in _own_nodes(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= set(_aliases(node))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared |= set(node.names)
    return names - declared


def _references(node, scopes=()):
    """Yield (global name or None, texts to check) for every node under `node`, scope-aware."""
    if isinstance(node, FUNCTIONS):
        scopes = (*scopes, local_names(node))
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if not any(node.id in scope for scope in scopes):
            yield node.id, [node.id]
    elif isinstance(node, ast.Attribute):
        yield None, [node.attr]
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        yield None, [a.name for a in node.names] + ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield None, [node.value]
    for child in ast.iter_child_nodes(node):
        yield from _references(child, scopes)


def forbidden_uses(code, name, forbidden):
    """What `name`'s definition refers to among `forbidden` (module prefixes or attribute names),
    following the notebook's own top-level definitions it mentions: a list of (what, where),
    `where` being the definition that refers to it (`name` itself or a helper it calls), each
    `what` once, in the order found. [] when clean."""
    defs, aliases = top_level(parse_cells(code))

    def bad(text):
        return any(text == f or text.startswith(f + ".") for f in forbidden)

    found, seen, todo = [], set(), [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in defs:
            continue
        seen.add(current)
        for global_name, texts in _references(defs[current]):
            if global_name is not None:
                if global_name in defs and global_name not in aliases:
                    todo.append(global_name)     # the notebook's own: followed, not flagged
                    texts = []
                else:
                    texts = texts + [aliases.get(global_name, "")]
            found += [(t, current) for t in texts if t and bad(t)]
    first = {}
    for what, where in found:
        first.setdefault(what, where)
    return list(first.items())
