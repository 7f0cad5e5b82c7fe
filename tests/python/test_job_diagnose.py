"""The SLURM failure-diagnosis tool (ansible/roles/slurm_runtime/templates/job-diagnose.py.j2) on what
real SLURM answered about a job killed at its time limit (tests/fixtures/slurm-timeout-job).

`make test` sees the exit, OOM and node-failure causes on the local cluster (tests/e2e/09); a real
timeout takes SLURM 60-90 s (whole-minute limits, enforced every 30 s), so CI gets it from recordings
and `make test-hpc-runtime` runs it for real."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from conftest import ROOT

TEMPLATE = ROOT / "ansible" / "roles" / "slurm_runtime" / "templates" / "job-diagnose.py.j2"
RECORDED = ROOT / "tests" / "fixtures" / "slurm-timeout-job"

# Each stub answers one command line as SLURM did, from the recordings.
STUB = """#!/bin/sh
case "$*" in
  "show job -o 3") cat "{rec}/scontrol-show-job.jobdir" ;;
  "show hostnames cc-cn01") echo cc-cn01 ;;
  "show node -o cc-cn01") cat "{rec}/scontrol-show-node.txt" ;;
  "-X -n -P -j 3 -o State") cat "{rec}/sacct-job.txt" ;;
  "-n -P -j 3 -o State") cat "{rec}/sacct-steps.txt" ;;
  *) echo "stub: unexpected: $*" >&2; exit 1 ;;
esac
"""


def _tool(tmp_path: Path, job_state: str | None = None) -> tuple[Path, Path, dict[str, str]]:
    debug, jobdir, bin_dir = tmp_path / "debug", tmp_path / "job", tmp_path / "bin"
    for d in (jobdir, bin_dir):
        d.mkdir()
    (jobdir / "timeout.out").write_text((RECORDED / "timeout.out").read_text())
    job = (RECORDED / "scontrol-show-job.txt").read_text().replace("@JOBDIR@", str(jobdir))
    if job_state:
        job = job.replace("JobState=TIMEOUT", f"JobState={job_state}")
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "scontrol-show-job.jobdir").write_text(job)
    for name in ("scontrol-show-node.txt", "sacct-job.txt", "sacct-steps.txt"):
        (rec / name).write_text((RECORDED / name).read_text())
    for cmd in ("scontrol", "sacct"):
        stub = bin_dir / cmd
        stub.write_text(STUB.format(rec=rec))
        stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    text = jinja2.Template(TEMPLATE.read_text()).render(
        hpc={"runtime": {"job_scripts": {"debug_dir": str(debug)}}, "slurm": {"conf": "/nonexistent"}})
    tool = tmp_path / "job-diagnose"
    tool.write_text(text)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return tool, debug, env


def test_a_job_at_its_time_limit_is_diagnosed_as_a_timeout_with_its_output(tmp_path: Path) -> None:
    tool, debug, env = _tool(tmp_path)
    done = subprocess.run([sys.executable, str(tool), "3"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = json.loads((debug / "3.json").read_text())
    assert (got["job_id"], got["state"], got["cause"], got["oom"]) == (3, "TIMEOUT", "timeout", False)
    assert (got["exit_code"], got["signal"], got["nodes"]) == (0, 15, ["cc-cn01"])
    assert got["node_states"] == {"cc-cn01": {"state": "IDLE", "reason": ""}}
    assert got["output_tail"][0] == "marker-timeout"
    assert "DUE TO TIME LIMIT" in got["output_tail"][-1]


@pytest.mark.parametrize(("state", "cause"), [("DEADLINE", "timeout"), ("NODE_FAIL", "node_failure")])
def test_other_states_name_their_cause(tmp_path: Path, state: str, cause: str) -> None:
    tool, debug, env = _tool(tmp_path, job_state=state)
    done = subprocess.run([sys.executable, str(tool), "3"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads((debug / "3.json").read_text())["cause"] == cause


def test_a_job_that_completed_leaves_no_diagnosis(tmp_path: Path) -> None:
    # the tool's job is to say nothing for a clean job: no file, so a check counting files stays right
    tool, debug, env = _tool(tmp_path, job_state="COMPLETED")
    (tmp_path / "rec" / "scontrol-show-job.jobdir").write_text(
        (tmp_path / "rec" / "scontrol-show-job.jobdir").read_text().replace("ExitCode=0:15", "ExitCode=0:0"))
    (tmp_path / "rec" / "sacct-steps.txt").write_text("COMPLETED\nCOMPLETED\n")
    done = subprocess.run([sys.executable, str(tool), "3"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not debug.exists()
