"""Stripe's request encoding: `a[b][c]=v` nests, `a[0]=v` lists, both in form bodies and query strings."""
from urllib.parse import parse_qsl


def decode(raw: str) -> dict:
    """Turn a urlencoded body or query into nested dicts (lists where every key is an index)."""
    result: dict = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        head, _, rest = name.partition("[")
        keys = [head] + ([part.rstrip("]") for part in ("[" + rest).split("[")[1:]] if rest else [])
        node = result
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ValueError(f"parameter {name!r} mixes a value and a hash")
        node[keys[-1]] = value
    return _listify(result)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def canonical(params) -> tuple:
    """A hashable, order-free form of the parameters, to compare two requests made with one idempotency key."""
    if isinstance(params, dict):
        return tuple(sorted((key, canonical(value)) for key, value in params.items()))
    if isinstance(params, list):
        return tuple(canonical(value) for value in params)
    return params
