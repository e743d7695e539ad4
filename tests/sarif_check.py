"""Validation of every SARIF file the tests make: the SARIF 2.1.0 JSON Schema
(as shipped in Microsoft's sarif-multitool npm package) with jsonschema, and
Microsoft's validator itself. Both come from scripts/install-test-tools.sh;
without them the tests that need them skip (or fail under ENT_LS_REQUIRE_TOOLS=1)."""

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest
from conftest import ROOT

TOOLS = ROOT / ".tools" / "sarif" / "node_modules"
# the platform package's self-contained binary (the npm wrapper would need node)
MULTITOOL = next(iter(sorted(TOOLS.glob("@microsoft/sarif-multitool-*/Sarif.Multitool"))), TOOLS / "missing")


def _missing(what: str):
    message = f"{what} is not installed: run scripts/install-test-tools.sh"
    if os.environ.get("ENT_LS_REQUIRE_TOOLS") == "1":
        pytest.fail(message + " (ENT_LS_REQUIRE_TOOLS=1)")
    pytest.skip(message)


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    schemas = sorted(TOOLS.glob("@microsoft/sarif-multitool-*/sarif-2.1.0.json"))
    if not schemas:
        return None
    schema = json.loads(schemas[0].read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    # format checks (uri, uri-reference) need rfc3986-validator, from the test extra
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(log: dict):
    """Schema violations of a parsed log ([] when valid), or None without the schema."""
    validator = _validator()
    if validator is None:
        return None
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def validate_sarif(text: str, tmp_path: Path) -> dict:
    """The parsed log, after both validators accept it (no result at level error)."""
    log = json.loads(text)
    validator = _validator()
    if validator is None:
        _missing("the SARIF 2.1.0 schema (npm @microsoft/sarif-multitool)")
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    if not MULTITOOL.exists():
        _missing("sarif-multitool")
    sarif = tmp_path / "check.sarif"
    sarif.write_text(text, encoding="utf-8")
    out = tmp_path / "validation.sarif"
    r = subprocess.run([str(MULTITOOL), "validate", str(sarif), "-o", str(out), "--log", "ForceOverwrite"],
                       capture_output=True, text=True, timeout=120)
    assert out.is_file(), r.stdout + r.stderr
    findings = [res for run in json.loads(out.read_text(encoding="utf-8-sig"))["runs"]
                for res in run.get("results", [])]
    errors = [f"{res.get('ruleId')}: {res['message'].get('text') or res['message']}" for res in findings
              if res.get("level", "warning") == "error"]
    assert not errors, "\n".join(errors)
    return log
