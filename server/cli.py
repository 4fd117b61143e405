"""`coopgraph validate | build | load | serve | settings`.

Every command takes the flags the settings table (server/settings.py) gives it, so the base IRI is
read the same way everywhere: `--base-iri`, else `http://HOST:PORT/` from `--host` and `--port`.
Exit codes: 0 success, 1 the data violates the shapes, 2 a file or setting is unusable (one line, as
`path:line: message` for a file, never a traceback), always before anything is written.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import os
import sys
from pathlib import Path

import click
from tqdm import tqdm

from server import create_app, prime
from server.content import SourceError
from server.dataset import Dataset
from server.dumps import build_dumps, ensure_dumps
from server.metrics import MULTIPROCESS_VARIABLE
from server.serving import WEB_SERVERS, CannotListen, listen
from server.settings import (BUILD, LOAD, SERVE, SETTINGS, VALIDATE, Settings, SettingsError, limits_table,
                             markdown_table)
from server.store import BACKENDS, MemoryStore, StoreError, StoreNotLoaded, StoreUnavailable
from server.store.load import load
from server.validation import ValidationFailed, validate

EXIT_VIOLATIONS, EXIT_UNUSABLE = 1, 2


def setting_flags(command_name: str):
    """The flags of the settings `command_name` takes, each falling back to COOPGRAPH_* then its default."""
    def decorate(command):
        for row in reversed(SETTINGS):
            flag = row.metadata["flag"]
            if not flag or command_name not in row.metadata["commands"]:
                continue
            help_text = f"{row.metadata['help']} [COOPGRAPH_{row.name.upper()}]".replace("`", "")
            if row.type == "bool":  # a flag turning a default-on setting off
                option = click.option(flag, row.name, flag_value=False, default=None, help=help_text)
            else:
                kind = {"int": int, "float": float}.get(row.type)
                if "Path" in row.type:
                    kind = click.Path(path_type=Path)
                if row.name == "store":
                    kind = click.Choice(list(BACKENDS))
                if row.name == "web_server":
                    kind = click.Choice(list(WEB_SERVERS))
                option = click.option(flag, row.name, type=kind, help=help_text)
            command = option(command)
        return command
    return decorate


def settings_from(**flags) -> Settings:
    """Settings from the environment with the given flags on top; exits 2 on a bad value."""
    try:
        return Settings.from_env(**flags)
    except SettingsError as error:
        fail(str(error))


def fail(message: str, code: int = EXIT_UNUSABLE):
    click.echo(f"coopgraph: {message}" if code == EXIT_UNUSABLE else message, err=True)
    sys.exit(code)


@contextlib.contextmanager
def unusable_is_exit_2():
    """A setting, file, folder or store that cannot be used exits 2 with one line naming it."""
    try:
        yield
    except ValidationFailed as failure:
        fail(failure.report.text(), EXIT_VIOLATIONS)
    except (SettingsError, SourceError, StoreNotLoaded, StoreUnavailable, StoreError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.filename or '?'}: {error.strerror or error}")


def show_progress() -> bool:
    """Progress bars only for a person watching: not in CI, not into a log file."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """coopgraph: publish Turtle files as Linked Data."""


@main.command(VALIDATE)
@setting_flags(VALIDATE)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="How to print the report.")
def validate_command(output_format, **flags):
    """Check the data against the SHACL shapes (exit 1 on violations)."""
    settings = settings_from(**flags)
    with unusable_is_exit_2():
        settings.check_content()
        report = validate(settings)
    click.echo(getattr(report, output_format)(), nl=False)
    sys.exit(0 if report.conforms else EXIT_VIOLATIONS)


@main.command(BUILD)
@setting_flags(BUILD)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to build the dumps in [the one `serve` uses for this base IRI].")
def build_command(out, **flags):
    """Validate, then write the dumps and manifest.json as a new build, made current only when complete:
    nothing is written unless the data conforms, and a server running beside keeps serving its own."""
    settings = settings_from(validate_on_start=True, **flags)  # a build always validates
    folder = (out or settings.dumps_dir).resolve()
    with unusable_is_exit_2():
        dataset = Dataset.load(settings)
        try:
            manifest = build_dumps(dataset, folder, progress=show_progress())
        except (StoreUnavailable, StoreError) as error:  # the store went away mid-build
            fail(f"{error}; the dumps in {folder} are as they were")
    click.echo(f"coopgraph: {len(manifest.files)} dumps of version {manifest.dataset_version} for "
               f"{settings.base_iri} in {folder}", err=True)
    for file in manifest.files:
        click.echo(f"{file.sha256}  {file.bytes:>10}  {file.name}")


@main.command(LOAD)
@setting_flags(LOAD)
def load_command(**flags):
    """Validate, then fill the on-disk or remote store from ontology/, data/ and shapes/.
    The previous store stays as it was unless the whole load succeeds; restart servers to see the new one."""
    settings = settings_from(**flags)
    if settings.store == MemoryStore.name:
        fail("the memory store is filled when the server starts: load needs --store disk or --store remote")
    with unusable_is_exit_2():
        settings.check_content()
        if settings.validate_on_start:
            report = validate(settings)
            if not report.conforms:
                fail(report.text(), EXIT_VIOLATIONS)
        with tqdm(unit=" statements", unit_scale=True, disable=not show_progress(), desc="load", leave=False) as bar:
            loaded = load(settings, progress=bar.update)
    phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in loaded.phases.items())
    click.echo(f"coopgraph: loaded {loaded.quads} quads of version {loaded.version} for {settings.base_iri} into "
               f"the {loaded.store} store at {loaded.where} in {loaded.seconds:.1f} s"
               + (f" ({phases}; graphs sent to {loaded.via})" if phases else ""), err=True)


@main.command(SERVE)
@setting_flags(SERVE)
def serve_command(**flags):
    """Serve the dataset with Granian or gunicorn (--web-server). Without --base-iri, IRIs are http://HOST:PORT/."""
    settings = settings_from(**flags)
    try:
        listener = listen(settings)  # first: nothing is built for a port that cannot be served
    except CannotListen as error:
        fail(str(error))
    # Every web worker's metrics in files of one folder, for /metrics to add up (server/metrics.py): set
    # before the app is made, since prometheus_client reads it when first imported.
    metrics_folder, owner = tempfile.mkdtemp(prefix="coopgraph-metrics-"), os.getpid()
    os.environ[MULTIPROCESS_VARIABLE] = metrics_folder
    try:
        with unusable_is_exit_2():
            dataset = Dataset.load(settings)
            if settings.validate_on_start:  # only validated data is dumped
                ensure_dumps(dataset, settings.dumps_dir, progress=show_progress(),
                             log=lambda message: click.echo(f"coopgraph: {message}", err=True))
            app = create_app(settings, dataset)
            prime(app)  # before the fork: every worker starts with what its first pages need
        click.echo(f"coopgraph: serving {settings.base_iri} (version {dataset.version}) "
                   f"on {settings.host}:{settings.port}", err=True)
        WEB_SERVERS[settings.web_server](app, settings, listener).run()
    finally:
        if os.getpid() == owner:  # not a gunicorn worker leaving through this frame
            shutil.rmtree(metrics_folder, ignore_errors=True)


@main.command("settings")
@click.option("--markdown", is_flag=True, help="As the README's table.")
@click.option("--limits", is_flag=True, help="The SPARQL endpoint's limits, as the README's table.")
def settings_command(markdown, limits):
    """List every setting: its variable, flag, default and meaning (the README's table)."""
    if markdown or limits:
        click.echo(limits_table() if limits else markdown_table(), nl=False)
        return
    for row in SETTINGS:
        flag = f" ({row.metadata['flag']})" if row.metadata["flag"] else ""
        click.echo(f"COOPGRAPH_{row.name.upper()}{flag}: {row.metadata['help']}".replace("`", ""))


if __name__ == "__main__":
    main()
