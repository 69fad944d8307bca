"""The types of the JSON contract (search/contract.py) and web/openapi.json say the same thing.

A JSON schema is generated from each TypedDict and compared with the document's schema of the
same name: field names, JSON types and required fields, both ways. What only the document says
(descriptions, formats, patterns, ranges) is left out of the comparison; an ``enum`` in the
document may narrow a plain ``str`` of the code, and a ``Literal`` must list exactly its values.
"""

from __future__ import annotations

import json
import types
from typing import Any, Literal, TypedDict, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from search import contract
from search.contract import SCHEMAS
from web.api import openapi_document

REF = "#/components/schemas/"
#: Keywords only the document has: they describe values, not the shape.
DESCRIPTIVE = {"description", "format", "pattern", "minimum", "maximum", "minItems", "maxItems",
               "minLength", "maxLength", "additionalProperties", "title", "example", "examples"}
_NAMES = {tp: name for name, tp in SCHEMAS.items()}
_SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def from_type(tp: Any, *, top: bool = False) -> dict:
    """The JSON schema of a type of the contract, in the canonical form of :func:`canonical`."""
    if not top and tp in _NAMES:
        return {"$ref": REF + _NAMES[tp]}
    if is_typeddict(tp):
        hints = get_type_hints(tp)
        return {"type": ["object"], "properties": {k: from_type(v) for k, v in hints.items()},
                "required": sorted(tp.__required_keys__)}
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        return _merge([from_type(a) for a in args])
    if origin is list:
        return {"type": ["array"], "items": from_type(args[0])}
    if origin is dict:
        return {"type": ["object"]}
    if origin is Literal:
        return {"type": ["string"], "enum": sorted(args)}
    if tp is Any:
        return {}
    return {"type": [_SIMPLE[tp]]}


def canonical(schema: dict) -> dict:
    """The document's schema without descriptive keywords, ``type`` always a sorted list,
    ``required`` sorted, a ``$ref`` narrowed by ``allOf`` patterns read as the ``$ref``."""
    schema = {k: v for k, v in schema.items() if k not in DESCRIPTIVE}
    if "allOf" in schema:
        refs = [s for s in schema["allOf"] if "$ref" in s]
        narrowing = [canonical(s) for s in schema["allOf"] if "$ref" not in s]
        assert len(refs) == 1 and all(set(n) == {"properties"} and not any(n["properties"].values())
                                      for n in narrowing), schema
        return canonical(refs[0])
    if "oneOf" in schema:
        return _merge([canonical(s) for s in schema["oneOf"]])
    out = dict(schema)
    if "type" in out:
        out["type"] = sorted([out["type"]] if isinstance(out["type"], str) else out["type"])
    if "properties" in out:
        out["properties"] = {k: canonical(v) for k, v in out["properties"].items()}
    if "required" in out:
        out["required"] = sorted(out["required"])
    if "items" in out:
        out["items"] = canonical(out["items"])
    if "enum" in out:
        out["enum"] = sorted(out["enum"])
    return out


def _merge(alternatives: list[dict]) -> dict:
    """``X | None`` and ``oneOf``: one ``type`` list when every alternative is a bare type,
    else the alternatives in a fixed order."""
    if all(set(a) == {"type"} for a in alternatives):
        return {"type": sorted({t for a in alternatives for t in a["type"]})}
    return {"oneOf": sorted(alternatives, key=lambda a: json.dumps(a, sort_keys=True))}


def differences(code: dict, doc: dict, path: str) -> list[str]:
    """How the schema generated from the code and the document's differ (empty when they agree)."""
    if code == doc:
        return []
    if code == {"type": ["string"]} and set(doc) == {"type", "enum"} and doc["type"] == ["string"]:
        return []  # the document lists the values a plain str takes
    if "properties" in code and "properties" in doc and code.get("type") == doc.get("type"):
        out = [f"{path}.{k}: in the code, not in openapi.json" for k in code["properties"]
               if k not in doc["properties"]]
        out += [f"{path}.{k}: in openapi.json, not in the code" for k in doc["properties"]
                if k not in code["properties"]]
        if code.get("required") != doc.get("required"):
            out.append(f"{path}: required {code.get('required')} in the code, "
                       f"{doc.get('required')} in openapi.json")
        for k in code["properties"].keys() & doc["properties"].keys():
            out += differences(code["properties"][k], doc["properties"][k], f"{path}.{k}")
        return out
    if "items" in code and "items" in doc and code.get("type") == doc.get("type"):
        return differences(code["items"], doc["items"], f"{path}[]")
    if "oneOf" in code and "oneOf" in doc and len(code["oneOf"]) == len(doc["oneOf"]):
        return [d for n, (c, o) in enumerate(zip(code["oneOf"], doc["oneOf"]))
                for d in differences(c, o, f"{path}|{n}")]
    return [f"{path}: {json.dumps(code, ensure_ascii=False)} in the code, "
            f"{json.dumps(doc, ensure_ascii=False)} in openapi.json"]


@pytest.fixture(scope="module")
def schemas() -> dict:
    return openapi_document(admin=True)["components"]["schemas"]


def test_every_schema_has_a_type_and_every_type_a_schema(schemas):
    assert sorted(SCHEMAS) == sorted(schemas)
    assert all(getattr(contract, name) is tp for name, tp in SCHEMAS.items())


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_type_is_the_schema(schemas, name):
    assert differences(from_type(SCHEMAS[name], top=True), canonical(schemas[name]), name) == []


# -- the comparison is not vacuous ---------------------------------------------------------------

_HIT = get_type_hints(contract.Hit)
HitWithoutScore = TypedDict("HitWithoutScore", {k: v for k, v in _HIT.items() if k != "score"})
HitWithExtra = TypedDict("HitWithExtra", {**_HIT, "explain": str})
HitWithIntScore = TypedDict("HitWithIntScore", {**_HIT, "score": int})


class JobWithOtherStates(TypedDict):
    id: str
    state: Literal["running", "done"]
    started_at: str
    finished_at: str | None
    progress: contract.JobProgress | None
    summary: contract.SyncSummary | contract.JobSummary | None
    failure: contract.JobFailure | None


class ErrorWithoutNullParam(TypedDict):
    code: str
    message: str
    param: str


class ErrorShapeWrong(TypedDict):
    error: ErrorWithoutNullParam


@pytest.mark.parametrize("tp, name, expected", [
    (HitWithoutScore, "Hit", ["Hit.score: in openapi.json, not in the code", "Hit: required"]),
    (HitWithExtra, "Hit", ["Hit.explain: in the code, not in openapi.json", "Hit: required"]),
    (HitWithIntScore, "Hit", ['Hit.score: {"type": ["integer"]} in the code']),
    (JobWithOtherStates, "Job", ["Job.state: "]),
    (ErrorShapeWrong, "Error", ['Error.error.param: {"type": ["string"]} in the code']),
])
def test_the_comparison_finds_a_difference(schemas, tp, name, expected):
    found = differences(from_type(tp, top=True), canonical(schemas[name]), name)
    assert len(found) == len(expected), found
    assert all(f.startswith(e) for f, e in zip(sorted(found), sorted(expected))), found
