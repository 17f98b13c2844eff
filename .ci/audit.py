"""Audit the pinned dependencies with pip-audit, and say plainly what could not be audited.

pip-audit prints "No known vulnerabilities found" and exits 0 when the vulnerability service
answered for none of the packages (offline, or a mirror without the per-version JSON API):
that is "not audited", not "no vulnerabilities", and this script says so.

    python .ci/audit.py            exit 1 on a known vulnerability; a warning when packages went unaudited
    AUDIT_STRICT=1 python .ci/audit.py   also exit 2 when any package could not be audited

Resolves the exact versions ``pip install -r requirements-dev.txt`` installs (a dry run, no
download when they are installed), then audits them without a second resolution. Accepted
vulnerabilities go into ``.ci/audit-ignore`` (one ID per line, ``# why`` after it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = ROOT / ".ci" / "audit-ignore"
SERVICES = ("pypi", "osv")  # pip-audit's services, tried in this order until one answers


def pinned() -> list[str]:
    """``name==version`` of every package the dev requirements resolve to."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed", "--report", str(report)]
        done = subprocess.run([*cmd, "-r", str(ROOT / "requirements-dev.txt")], capture_output=True, text=True, check=False)
        if done.returncode:
            sys.stderr.write(done.stderr)
            done.check_returncode()
        items = json.loads(report.read_text(encoding="utf-8"))["install"]
    return sorted(f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items)


def ignored() -> list[str]:
    if not IGNORE.is_file():
        return []
    return [line.split("#")[0].strip() for line in IGNORE.read_text(encoding="utf-8").splitlines() if line.split("#")[0].strip()]


def audit(requirements: Path, service: str) -> dict | None:
    """pip-audit's JSON report, or None when the service could not be reached at all."""
    cmd = [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip", "-s", service]
    cmd += ["-f", "json", "--progress-spinner", "off", *(arg for vuln in ignored() for arg in ("--ignore-vuln", vuln))]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        return json.loads(done.stdout)
    except ValueError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit: the {service} service could not be asked: {last[:300]}")
        return None


def verdict(packages: int, deps: list[dict], service: str | None, *, strict: bool = False) -> tuple[int, list[str]]:
    """The exit code and what to print for pip-audit's ``dependencies`` (from ``service``, None: none answered)."""
    audited = [d for d in deps if "skip_reason" not in d] if service else []
    unaudited = [d for d in deps if "skip_reason" in d] if service else deps
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = [f"pip-audit: {packages} pinned packages, {len(audited)} audited (service: {service or 'none'})."]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(f"  VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if not audited:
        lines.append(
            "pip-audit: NOT AUDITED - no vulnerability service answered for any package "
            f"({', '.join(SERVICES)}; offline, or an index mirror without PyPI's per-version JSON API). "
            "'No known vulnerabilities' would be untrue: check the pins where a service is reachable."
        )
    elif unaudited:
        lines.append(f"pip-audit: {len(unaudited)} packages could not be audited: {', '.join(d['name'] for d in unaudited)}")
    if vulnerable:
        lines.append("pip-audit: known vulnerabilities above: raise the pins, or accept one in .ci/audit-ignore with a reason.")
        return 1, lines
    if not unaudited:
        lines.append("pip-audit: no known vulnerabilities in the pinned packages.")
    return (2 if strict and (unaudited or not audited) else 0), lines


def main() -> int:
    packages = pinned()
    deps, answered = [], None
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "pinned.txt"
        requirements.write_text("\n".join(packages) + "\n", encoding="utf-8")
        for service in SERVICES:
            report = audit(requirements, service)
            found = (report or {}).get("dependencies", [])
            deps = deps or found
            if any("skip_reason" not in d for d in found):
                deps, answered = found, service
                break
    code, lines = verdict(len(packages), deps, answered, strict=os.environ.get("AUDIT_STRICT") == "1")
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
