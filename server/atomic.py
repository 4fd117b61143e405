"""Immutable folders made current by swapping a symbolic link (disk-store generations and dump builds), and
files written aside and renamed into place (the search index).

A reader resolves the link once and keeps what it found, so a swap never shows it half of anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def point_link(link: Path, target: Path) -> None:
    """Makes `link` point at `target` (relative to the link's folder) in one rename."""
    temporary = link.with_name(f".{link.name}-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target.relative_to(link.parent))
    os.replace(temporary, link)  # atomic: a reader sees the old target or the new one


def linked_folder(link: Path, within: Path | None = None) -> Path | None:
    """The folder `link` points to, if it is a link to a folder (inside `within`, when given)."""
    target = link.resolve()
    if not link.is_symlink() or not target.is_dir():
        return None
    return target if within is None or target.parent == within.resolve() else None


@contextmanager
def replace_file(path: Path) -> Iterator[Path]:
    """A path to write `path`'s new content at: renamed into place when the block ends, removed if it fails,
    so a reader sees the old file, the new one, or none, never half of one."""
    partial = path.with_name(f".{path.name}-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
