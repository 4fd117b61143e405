"""The folders of the disk backend: one generation per `coopgraph load`, and a link to the current one.

`store_path` holds one folder per load under `generations/` and a symbolic link `current` to the
newest. A load writes a new generation and swaps the link atomically, so a failed load leaves the old
store, and a running server keeps reading its own generation until restarted. A generation holds the
database (`oxigraph/`) and the recorded answers (`answers.json`, server/store/records.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from server.atomic import linked_folder, point_link
from server.store.base import StoreNotLoaded

if TYPE_CHECKING:
    from server.settings import Settings

DATABASE, ANSWERS = "oxigraph", "answers.json"  # what a generation folder holds
KEEP = 2  # the current generation and the one before it (a server started earlier may still read it)


def generations_dir(settings: Settings) -> Path:
    return settings.store_path / "generations"


def current_generation(settings: Settings) -> Path:
    """The folder `store_path/current` points to; StoreNotLoaded if there is none."""
    target = linked_folder(settings.store_path / "current")
    if target is None:
        raise StoreNotLoaded(f"{settings.store_path}: no store loaded for {settings.base_iri} yet; run `coopgraph "
                             f"load --store disk` with the same settings (--base-iri {settings.base_iri}, or the same "
                             "--host and --port, and --store-path if you gave one)")
    return target


@contextlib.contextmanager
def new_generation(settings: Settings) -> Iterator[Path]:
    """A new, empty folder for the caller to fill with an on-disk store (and close it, by dropping
    it, before the block ends). It becomes the current store when the block ends without error, and
    is removed otherwise. One load at a time per store_path (a lock file)."""
    folder = generations_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(settings.store_path / ".load.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for leftover in folder.glob(".loading-*"):  # of a load that was killed: we hold the lock
            shutil.rmtree(leftover, ignore_errors=True)
        stamp = datetime.now(tz=timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        staging = folder / f".loading-{stamp}"
        try:
            staging.mkdir()
            yield staging
            final = folder / stamp
            staging.rename(final)
            point_link(settings.store_path / "current", final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _remove_old_generations(settings)


def _remove_old_generations(settings: Settings) -> None:
    current = current_generation(settings)
    generations = sorted((p for p in generations_dir(settings).iterdir() if not p.name.startswith(".")), reverse=True)
    for old in generations[KEEP:]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
