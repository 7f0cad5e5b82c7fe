"""Reading a YAML file a user wrote: every failure becomes that caller's one-line error (file, where, what)."""

from __future__ import annotations

from typing import Any, Callable

import yaml  # a few ms; the CLI's --help stays without it


def read(path: str, error: Callable[[str, str, str], Exception]) -> Any:
    """The file's data; ERROR(path, where, problem) is raised for a missing, unreadable or invalid file."""

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise error(path, "", "file not found") from None
    except OSError as exc:
        raise error(path, "", exc.strerror or str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise error(path, where, f"invalid YAML: {getattr(exc, 'problem', None) or 'invalid YAML'}") from None
