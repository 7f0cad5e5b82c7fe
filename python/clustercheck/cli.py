"""The clustercheck command line. Subcommands are imported only when invoked, so --help stays fast."""

from __future__ import annotations

import importlib
import os
import sys

import click

from clustercheck import __version__
from clustercheck.command import Group

# name -> (module, attribute, one-line help). Modules are imported on first use.
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "config": ("clustercheck.config.cli", "config", "Validate and export target configs."),
    "report": ("clustercheck.report.cli", "report", "Turn result records into JUnit XML, JSON and a summary."),
    "fact-keys": ("clustercheck.fact_keys", "fact_keys", "The fact keys a helper command declares."),
    "record": ("clustercheck.report.record_cli", "record", "A run's result records: add, read, judge the run."),
    "combine": ("clustercheck.report.combine", "combine", "Merge several framework runs into one report."),
    "libvirt": ("clustercheck.libvirt_inspect", "libvirt", "Inspect libvirt domains, volumes and networks for checks."),
    "s3": ("clustercheck.mlops.cli", "s3", "S3 object storage facts: liveness, buckets, API, round trips."),
    "pg": ("clustercheck.mlops.cli", "pg", "PostgreSQL facts: version, authentication, MLflow schema, persistence."),
    "mlflow": ("clustercheck.mlops.cli", "mlflow", "MLflow facts: health, experiments, runs, artifacts, registry."),
    "serving": ("clustercheck.mlops.cli", "serving", "Model-server facts: readiness and predictions."),
    "docs": ("clustercheck.docgen", "docs", "Generate the test-plan documents from the frameworks and checks."),
    "bench": ("clustercheck.bench.cli", "bench", "HTTP load generation against inference endpoints."),
    "k8s": ("clustercheck.k8s.cli", "k8s", "Kubernetes facts: health, components, CNI, GPUs, KServe, probe pods."),
    "inference": ("clustercheck.inference.cli", "inference", "Inference endpoint facts: answers, load, cold start, GPU."),
    "multi": ("clustercheck.multi.cli", "multi", "Cloud and HPC clusters on one host: resources and states."),
    "gpu": ("clustercheck.gpu_inventory", "gpu", "GPU facts from NVML: models, memory, PCI addresses, driver."),
    "baseline": ("clustercheck.baseline.cli", "baseline", "Performance baselines: save a run, judge the next, history."),
    "net": ("clustercheck.netroutes", "net", "Host network facts: cluster subnets against the host's routes."),
    "dcgm": ("clustercheck.dcgm", "dcgm", "DCGM exporter metrics judged per GPU node."),
    "gpu-node": ("clustercheck.gpunode.cli", "gpu_node", "GPU node acceptance: probe a node's GPUs, judge every node."),
}


class LazyGroup(Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = _COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        return getattr(module, spec[1])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text comes from the table so that --help imports none of the subcommand modules.
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, name="clustercheck", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clustercheck")
def cli() -> None:
    """Validate GPU ML infrastructure end to end.

    \b
    Examples:
      clustercheck config validate test-infra/configs/local.yaml
      clustercheck config export test-infra/configs/local.yaml > run/config.env
      clustercheck report --records run/results.jsonl --out-dir reports/
    """


def main() -> None:
    """Console entry point. A usage mistake is one line naming the option and exit 2 (click's own
    display is three lines); unexpected exceptions become one line and exit 2 (CC_DEBUG=1 shows them)."""

    try:
        cli.main(standalone_mode=False)
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx else "clustercheck"
        print(f"{path}: {exc.format_message()} (see: {path} --help)", file=sys.stderr)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        print("clustercheck: interrupted", file=sys.stderr)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the CLI edge: no tracebacks for users
        if os.environ.get("CC_DEBUG") == "1":
            raise
        print(f"clustercheck: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(2)
