"""Validates every Node of the example node inventories against the Kubernetes 1.33 schema.

Run by .ci/run with the venv of .ci/setup (kubernetes-validate==1.37.0, PyYAML). A `List` itself is not
schema-checked; each of its items is, strictly (unknown fields are errors).
"""

import pathlib
import sys

import kubernetes_validate
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> int:
    inventories = sorted(ROOT.glob("examples/*/nodes.yaml"))
    if not inventories:
        print("no examples/*/nodes.yaml found")
        return 1
    checked = failed = 0
    for path in inventories:
        document = yaml.safe_load(path.read_text())
        for item in document.get("items", []):
            name = item.get("metadata", {}).get("name", "?")
            try:
                kubernetes_validate.validate(item, "1.33.0", strict=True)
                checked += 1
            except kubernetes_validate.ValidationError as error:
                failed += 1
                print(f"{path.relative_to(ROOT)}: node {name}: {error.message}")
    print(f"{checked} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
