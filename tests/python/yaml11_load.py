"""Reads YAML documents as Kubernetes does (YAML 1.1, PyYAML's safe_load) for tests/yaml11.rs.

stdin: a JSON list of YAML texts. stdout: a JSON list of what safe_load made of each. A value
JSON cannot hold (a date, a timestamp) becomes {"!python": repr(value)}, so a string that
YAML 1.1 read as a date shows up as a mismatch instead of an error.
"""

import json
import sys

import yaml


def plain(value):
    if isinstance(value, dict):
        return {str(k) if isinstance(k, str) else json.dumps({"!key": repr(k)}): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return {"!python": repr(value)}


def main() -> int:
    texts = json.load(sys.stdin)
    json.dump([plain(yaml.safe_load(text)) for text in texts], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
