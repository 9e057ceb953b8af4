#!/usr/bin/env python3
"""Check entry files against kb/entry.schema.json with the jsonschema reference validator (Draft 2020-12).

Usage: scripts/check-entry-schema.py [FILE ...]   (default: every kb/*.json)
Prints one line per problem (`file: path: message`) and a summary; exits 1 when any file is invalid.
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("error: the Python package jsonschema is missing; install it with `python3 -m pip install jsonschema`")

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "kb" / "entry.schema.json").read_text(encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

files = sys.argv[1:] or sorted(str(p) for p in (root / "kb").glob("*.json") if p.name != "entry.schema.json")
invalid = 0
for name in files:
    try:
        document = json.loads(pathlib.Path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"{name}: (file): {error}")
        invalid += 1
        continue
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    for error in errors:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path).lstrip(".") or "(entry)"
        print(f"{name}: {path}: {error.message}")
    if errors:
        invalid += 1
print(f"{len(files) - invalid} valid, {invalid} invalid")
sys.exit(1 if invalid else 0)
