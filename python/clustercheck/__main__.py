"""`python -m clustercheck`: the CLI, for callers that have a Python but not the console script on PATH
(a SLURM job running the harness's venv Python)."""

from clustercheck.cli import main

main()
