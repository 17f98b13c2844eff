"""The dependency audit says "not audited" when no service answered, and fails on a known vulnerability."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("ci_audit", Path(__file__).resolve().parent.parent / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(audit)

SKIPPED = {"name": "requests", "skip_reason": "Dependency not found on PyPI and could not be audited: requests (2.34.2)"}


def test_no_service_is_not_a_clean_bill():
    code, lines = audit.verdict(2, [SKIPPED, {**SKIPPED, "name": "polars"}], None)
    assert code == 0 and any("NOT AUDITED" in line for line in lines)
    assert not any("no known vulnerabilities" in line for line in lines)
    assert audit.verdict(2, [SKIPPED], None, strict=True)[0] == 2


def test_a_known_vulnerability_fails_and_names_its_fix():
    vuln = {"id": "GHSA-xxxx", "fix_versions": ["2.35.0"], "description": "..."}
    code, lines = audit.verdict(2, [{"name": "requests", "version": "2.34.2", "vulns": [vuln]}, SKIPPED], "pypi")
    assert code == 1 and any("VULNERABLE requests 2.34.2: GHSA-xxxx (fixed in 2.35.0)" in line for line in lines)
    assert any("1 packages could not be audited: requests" in line for line in lines)


def test_all_audited_and_clean():
    code, lines = audit.verdict(1, [{"name": "polars", "version": "2.1.0", "vulns": []}], "osv")
    assert code == 0 and lines[-1] == "pip-audit: no known vulnerabilities in the pinned packages."


def test_the_ignore_list_holds_only_ids_with_reasons():
    for line in audit.IGNORE.read_text(encoding="utf-8").splitlines():
        if line.split("#")[0].strip():
            assert "#" in line, f"an accepted vulnerability needs its reason: {line}"
