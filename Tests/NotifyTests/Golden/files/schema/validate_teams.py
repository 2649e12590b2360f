"""Validates the Teams golden files against teams-message.schema.json (beside this file).

    python3 validate_teams.py            # needs the jsonschema package (Debian: python3-jsonschema)

Each golden file is one message, or (split-*.json) an array of messages. Exits 1 on the first
invalid message, naming the file and the JSON path.
"""

import json
import pathlib
import sys

import jsonschema

here = pathlib.Path(__file__).resolve().parent
schema = json.loads((here / "teams-message.schema.json").read_text())
validator = jsonschema.Draft202012Validator(schema)
files = sorted((here.parent / "teams").glob("*.json"))
if not files:
    sys.exit("no Teams golden files")
for path in files:
    data = json.loads(path.read_text())
    for index, message in enumerate(data if isinstance(data, list) else [data]):
        errors = sorted(validator.iter_errors(message), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            sys.exit(f"{path.name} message {index + 1}: {first.message} at {'/'.join(map(str, first.path))}")
    print(f"{path.name}: valid")
