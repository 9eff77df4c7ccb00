"""Check real API responses (and the schema's own examples) against the generated OpenAPI schema.

OpenAPI 3.0 schemas are turned into JSON Schema: `$ref`s point at `$defs`, `nullable` becomes a union with
null, and an object that lists its properties gets additionalProperties: false, so an undocumented key fails.
"""

from __future__ import annotations

import functools
import re

import jsonschema
from drf_spectacular.generators import SchemaGenerator


@functools.cache
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def to_json_schema(node):
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = value.replace("#/components/schemas/", "#/$defs/")
        elif key in ("nullable", "readOnly", "writeOnly", "example", "examples"):
            continue
        elif key in ("properties", "$defs"):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        else:
            out[key] = to_json_schema(value)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _defs() -> dict:
    return {name: to_json_schema(schema) for name, schema in openapi()["components"]["schemas"].items()}


def operation(path: str, method: str) -> dict:
    return openapi()["paths"][path][method.lower()]


def response_schema(path: str, method: str, status: int) -> dict:
    content = operation(path, method)["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**to_json_schema(content), "$defs": _defs()}


def request_schema(path: str, method: str) -> dict:
    content = operation(path, method)["requestBody"]["content"]["application/json"]["schema"]
    return {**to_json_schema(content), "$defs": _defs()}


def schema_path(url: str) -> str:
    """The schema's templated path of a concrete URL (/api/v1/screenings/<uuid>/ -> .../{screening_id}/)."""
    url = url.split("?")[0]
    for path in openapi()["paths"]:
        pattern = "^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path)) + "$"
        if re.match(pattern, url) and not (path.endswith("{screening_id}/") and url.endswith("/bulk/")):
            return path
    raise KeyError(url)


def check_response(response, method: str | None = None) -> None:
    """Fail unless the response's body matches the schema of its path, method and status."""
    request = response.wsgi_request
    path = schema_path(request.path)
    schema = response_schema(path, method or request.method, response.status_code)
    jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator)
