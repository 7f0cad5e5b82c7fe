"""No secret's value in any config error, whatever YAML type it was written as; secret_values finds
every scalar under a secret key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from conftest import BIN, run

MARK = "SECRET-VALUE-PLACEHOLDER"
# (YAML as written, the forms the value could take in a message)
TYPED = [
    ("982734987234", ["982734987234"]),                      # int
    ("0x1F2E3D4C", ["0x1F2E3D4C", "523386188"]),             # hex int
    ("31415.9265", ["31415.9265"]),                          # float
    ("6.02e+23", ["6.02e+23", "6.02e23"]),                   # float, exponent
    ("true", ["True", "true"]),                              # bool
    ("null", ["None", "null"]),                              # null
    ("2026-11-30", ["2026-11-30", "datetime.date", "2026, 11, 30"]),  # date
    ("2026-11-30T10:11:12Z", ["10:11:12", "datetime.datetime"]),      # timestamp
    ("[hunter2a, hunter2b]", ["hunter2a", "hunter2b"]),      # list
    ("{user: admin, pass: hunter2c}", ["hunter2c", "admin"]),  # mapping
    ("!!binary aHVudGVyMmQ=", ["aHVudGVyMmQ", "hunter2d"]),  # binary
    ("shortpw", ["shortpw"]),                                # string, too short (minLength 8)
    ("'bad pass word;'", ["bad pass word"]),                 # string, pattern mismatch
]
KEYS = [
    (["mlops", "s3", "secret_key"], "mlops.s3.secret_key"),
    (["mlops", "postgresql", "password"], "mlops.postgresql.password"),
    (["hpc", "local", "db_password"], "hpc.local.db_password"),
    (["hpc", "containers", "registry", "password"], "hpc.containers.registry.password"),
    (["secrets"], "secrets"),
]


def _write_raw(data: dict[str, Any], path: list[str], raw: str, out: Path) -> Path:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = [MARK] if path == ["secrets"] else MARK
    out.write_text(yaml.safe_dump(data).replace(MARK, raw))
    return out


@pytest.mark.parametrize("raw,forms", TYPED, ids=[t[0] for t in TYPED])
@pytest.mark.parametrize("path,key", KEYS, ids=[k[1] for k in KEYS])
def test_config_error_never_shows_a_secret(
    local_data: dict[str, Any], tmp_path: Path, path: list[str], key: str, raw: str, forms: list[str]
) -> None:
    cfg = _write_raw(local_data, path, raw, tmp_path / "cfg.yaml")
    result = run([str(BIN / "clustercheck"), "config", "validate", str(cfg)])
    if result.returncode == 0:
        return  # a value of this type is valid here (nothing printed but "valid")
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and key.split(".")[0] in line, line
    for form in forms:
        assert form not in line, line


def test_a_secret_reused_under_another_key_is_masked_in_errors(local_data: dict[str, Any], write_config: Callable[..., Path]) -> None:
    local_data["mlops"]["s3"]["test_bucket"] = local_data["mlops"]["s3"]["secret_key"]
    result = run([str(BIN / "clustercheck"), "config", "validate", str(write_config(local_data))])
    assert result.returncode == 2 and "mlops.s3.test_bucket" in result.stderr
    assert local_data["mlops"]["s3"]["secret_key"] not in result.stderr and "********" in result.stderr


def test_secret_values_of_every_type() -> None:
    from clustercheck.config import load

    data = yaml.safe_load(
        "a: {password: 982734987234, api_token: 31415.9265, secret: [hunter2a, {x: hunter2b}], db_password: 2026-11-30}\n"
        "secrets: [extra-1, 77777]\nflag_secret: true\nempty_password: null\n"
    )
    values = load.secret_values(data)
    assert set(values) == {"982734987234", "31415.9265", "hunter2a", "hunter2b", "2026-11-30", "extra-1", "77777"}
