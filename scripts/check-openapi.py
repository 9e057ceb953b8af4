#!/usr/bin/env python3
"""Check real HTTP responses against the OpenAPI 3.1 document the server publishes.

Usage: scripts/check-openapi.py OPENAPI.json RESPONSES.json
RESPONSES.json is a list of {"path", "method", "status", "content_type", "body"} recorded from a running server
(path is the documented template, e.g. /api/v1/entries/{slug}). For each, the response must be documented (path,
method, status, media type) and its body must validate against the documented schema (Draft 2020-12, the dialect of
OpenAPI 3.1; NDJSON bodies line by line). Prints one line per problem; exits 1 when any.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("error: the Python package jsonschema is missing; install it with `python3 -m pip install jsonschema`")

spec = json.load(open(sys.argv[1], encoding="utf-8"))
responses = json.load(open(sys.argv[2], encoding="utf-8"))
if not spec.get("openapi", "").startswith("3.1"):
    sys.exit("error: not an OpenAPI 3.1 document")

problems = []
for case in responses:
    where = f"{case['method'].upper()} {case['path']} -> {case['status']}"
    operation = spec["paths"].get(case["path"], {}).get(case["method"].lower())
    if operation is None:
        problems.append(f"{where}: the route is not documented")
        continue
    documented = operation["responses"].get(str(case["status"]))
    if documented is None:
        problems.append(f"{where}: the status is not documented")
        continue
    media = case["content_type"].split(";")[0].strip()
    content = documented.get("content", {})
    if not content:
        continue
    if media not in content:
        problems.append(f"{where}: media type {media} is not documented (documented: {', '.join(content)})")
        continue
    # Resolve $refs against the whole document by validating against a schema that carries its components.
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": spec.get("components", {}),
              "allOf": [content[media].get("schema", {})]}
    validator = jsonschema.Draft202012Validator(schema)
    if media in ("application/json", "application/problem+json"):
        documents = [json.loads(case["body"])]
    elif media == "application/x-ndjson":
        documents = [json.loads(line) for line in case["body"].splitlines() if line.strip()]
    else:
        documents = [case["body"]]
    for number, document in enumerate(documents, 1):
        for error in validator.iter_errors(document):
            path = "/".join(str(p) for p in error.absolute_path) or "(root)"
            problems.append(f"{where}: document {number}: {path}: {error.message[:200]}")

for problem in problems:
    print(problem)
print(f"{len(responses)} responses checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
