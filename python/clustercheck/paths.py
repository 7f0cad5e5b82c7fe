"""Checks on paths a user names, made before any work starts: one UserError naming the option."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from clustercheck.errors import UserError


def _nearest_existing(path: str) -> str:
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return probe


def writable_file(path: str, option: str) -> str:
    """PATH can be written as a file (it, or the folder it would be made in); nothing is created."""
    if not path:
        raise UserError(f"{option}: needs a file path, got an empty string")
    if os.path.isdir(path):
        raise UserError(f"{option}: {path} is a directory, not a file")
    if os.path.exists(path):
        if not os.access(path, os.W_OK):
            raise UserError(f"{option}: {path} is not writable")
        return path
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UserError(f"{option}: cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or folder.startswith(("/proc", "/sys")):
        raise UserError(f"{option}: cannot write {path}: {folder} is not writable")
    return path


def writable_dir(path: str, option: str) -> str:
    """PATH is, or can be made as, a writable folder; nothing is created."""
    if not path:
        raise UserError(f"{option}: needs a folder path, got an empty string")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise UserError(f"{option}: {path} exists and is not a folder")
        if not os.access(path, os.W_OK):
            raise UserError(f"{option}: {path} is not writable")
        return path
    base = _nearest_existing(path)
    if not os.path.isdir(base) or not os.access(base, os.W_OK) or base.startswith(("/proc", "/sys")):
        raise UserError(f"{option}: cannot create {path}: {base} is not a writable folder")
    return path


def readable_file(path: str, option: str) -> str:
    if not os.path.exists(path):
        raise UserError(f"{option}: {path} does not exist")
    if os.path.isdir(path):
        raise UserError(f"{option}: {path} is a directory, not a file")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise UserError(f"{option}: cannot read {path}: {exc.strerror or exc}") from None
    return path


def http_url(url: str, option: str) -> str:
    """URL is an http(s) URL with a host."""

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise UserError(f"{option}: {url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{option}: {url!r} is not an http:// or https:// URL with a host")
    return url
