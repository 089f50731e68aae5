"""The OpenAPI document read back into plain rows for the server-rendered API reference page."""
from dataclasses import dataclass, field


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class Answer:
    status: str
    description: str
    body: str | None


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    authenticated: bool
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    body_name: str | None = None
    answers: list[Answer] = field(default_factory=list)


def _name_of(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(schema: dict) -> str:
    """A schema in a few words: `string (1–64)`, `integer (0–1000000000000000)`, `string | integer`."""
    if "$ref" in schema:
        return _name_of(schema["$ref"])
    if "anyOf" in schema:
        return " | ".join(type_text(part) for part in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_text(schema.get('items', {}))}"
    if schema.get("format"):
        kind = f"{kind} ({schema['format']})"
    low = schema.get("minLength", schema.get("minimum"))
    high = schema.get("maxLength", schema.get("maximum"))
    if low is not None and high is not None:
        kind += f" ({low}–{high})"
    elif high is not None:
        kind += f" (≤ {high})"
    elif low is not None:
        kind += f" (≥ {low})"
    return kind


def _fields(schema: dict) -> list[Field]:
    required = set(schema.get("required", ()))
    return [Field(name, type_text(prop), name in required, prop.get("description", ""))
            for name, prop in schema.get("properties", {}).items()]


def _body_ref(content: dict | None) -> str | None:
    schema = (content or {}).get("application/json", {}).get("schema", {})
    return _name_of(schema["$ref"]) if "$ref" in schema else None


def operations(document: dict) -> list[Operation]:
    schemas = document["components"]["schemas"]
    found = []
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            operation = Operation(
                method=method.upper(), path=path, anchor=spec["operationId"], summary=spec.get("summary", ""),
                description=spec.get("description", ""), authenticated=bool(spec.get("security")),
                parameters=[Field(p["name"], f"{p['in']}: {type_text(p['schema'])}", p.get("required", False),
                                  p.get("description", "")) for p in spec.get("parameters", [])])
            body = spec.get("requestBody")
            if body is not None:
                operation.body_name = _body_ref(body["content"])
                operation.body = _fields(schemas[operation.body_name]) if operation.body_name else []
            operation.answers = [Answer(status, answer["description"], _body_ref(answer.get("content")))
                                 for status, answer in sorted(spec["responses"].items())]
            found.append(operation)
    return found


def models(document: dict) -> list[tuple[str, str, list[Field]]]:
    """Every schema of the document: name, description, fields."""
    return [(name, schema.get("description", ""), _fields(schema))
            for name, schema in document["components"]["schemas"].items()]
