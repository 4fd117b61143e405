"""`coopgraph validate | serve | build | load`.

Exit codes: 0 success, 1 the data violates the shapes, 2 a file or setting is
unusable (printed as `path:line: message`, never as a traceback).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from pathlib import Path

import click
from gunicorn.app.base import BaseApplication
from tqdm import tqdm

from server import create_app
from server.description import publish
from server.dumps import build_dumps, dumps_dir, ensure_dumps
from server.content import SourceError
from server.store.load import load
from server.settings import STORES, Settings, SettingsError
from server.store import StoreError, StoreNotLoaded, StoreUnavailable
from server.validation import ValidationFailed, validate

EXIT_VIOLATIONS, EXIT_UNUSABLE = 1, 2


def content_options(command):
    """The flags every command shares; each falls back to COOPGRAPH_* then defaults."""
    options = [
        click.option("--root", type=click.Path(file_okay=False, path_type=Path),
                     help="Project folder holding ontology/, data/, shapes/ [COOPGRAPH_ROOT]."),
        click.option("--base-iri", help="IRI the relative IRIs resolve against [COOPGRAPH_BASE_IRI]."),
    ]
    return functools.reduce(lambda decorated, option: option(decorated), reversed(options), command)


def store_options(command):
    """The flags choosing the store (see `coopgraph load`); each falls back to COOPGRAPH_* then defaults."""
    options = [
        click.option("--store", type=click.Choice(STORES),
                     help="memory: read the content at start; disk, remote: what `coopgraph load` filled "
                          "[COOPGRAPH_STORE, memory]."),
        click.option("--store-path", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder of the on-disk store [COOPGRAPH_STORE_PATH, VAR_DIR/store]."),
        click.option("--remote-endpoint", help="Query URL of the remote SPARQL store [COOPGRAPH_REMOTE_ENDPOINT]."),
        click.option("--remote-update-endpoint",
                     help="Its update URL, for load [COOPGRAPH_REMOTE_UPDATE_ENDPOINT, .../query -> .../update]."),
    ]
    return functools.reduce(lambda decorated, option: option(decorated), reversed(options), command)


def settings_from(**flags) -> Settings:
    """Settings from the environment with the given flags on top; exits 2 on a bad value."""
    try:
        return Settings.from_env(**flags)
    except SettingsError as error:
        fail(str(error))


def fail(message: str, code: int = EXIT_UNUSABLE):
    click.echo(f"coopgraph: {message}" if code == EXIT_UNUSABLE else message, err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """coopgraph: publish Turtle files as Linked Data."""


@main.command("validate")
@content_options
@click.option("--format", "output_format", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="How to print the report.")
def validate_command(output_format, **flags):
    """Check the data against the SHACL shapes (exit 1 on violations)."""
    try:
        report = validate(settings_from(**flags))
    except SourceError as error:
        fail(str(error))
    click.echo(getattr(report, output_format)(), nl=False)
    sys.exit(0 if report.conforms else EXIT_VIOLATIONS)


@main.command("serve")
@content_options
@store_options
@click.option("--host", help="Interface to listen on [COOPGRAPH_HOST, 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [COOPGRAPH_PORT, 8000].")
@click.option("--workers", type=int, help="Gunicorn worker processes [COOPGRAPH_WORKERS, 2].")
@click.option("--no-validate", "validate_on_start", flag_value=False, default=None,
              help="Serve without validating first.")
def serve_command(host, port, workers, validate_on_start, **flags):
    """Serve the dataset with gunicorn. Without --base-iri, IRIs are http://HOST:PORT/."""
    settings = settings_from(host=host, port=port, workers=workers, validate_on_start=validate_on_start, **flags)
    app = app_or_exit(settings)  # before binding: a failure leaves the port free
    state = app.extensions["coopgraph"]
    if settings.validate_on_start:  # only validated data is dumped
        with exits_on_os_error():
            ensure_dumps(state, dumps_dir(settings), progress=show_progress(),
                         log=lambda message: click.echo(f"coopgraph: {message}", err=True))
    publish(state)  # the description into graph/meta, before the workers fork
    click.echo(f"coopgraph: serving {settings.base_iri} (version {app.extensions['coopgraph'].version})", err=True)
    GunicornServer(app, settings).run()


@main.command("build")
@content_options
@store_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the dumps into [VAR_DIR/dumps, the one serve uses].")
def build_command(out, **flags):
    """Validate, then write the dumps and manifest.json. Nothing is written unless the data conforms;
    files are replaced atomically, so a server beside never serves half a file."""
    settings = settings_from(validate_on_start=True, **flags)  # a build always validates
    app = app_or_exit(settings)
    folder = (out or dumps_dir(settings)).resolve()
    with exits_on_os_error():
        try:
            manifest = build_dumps(app.extensions["coopgraph"], folder, progress=show_progress())
        except (StoreUnavailable, StoreError) as error:  # the store went away mid-build
            fail(f"{error}; the dumps in {folder} are as they were")
    click.echo(f"coopgraph: {len(manifest.files)} dumps of version {manifest.dataset_version} in {folder}", err=True)
    for file in manifest.files:
        click.echo(f"{file.sha256}  {file.bytes:>10}  {file.name}")


def app_or_exit(settings: Settings):
    """The application, or an exit: 1 with the report on violations, 2 naming the unreadable file."""
    try:
        return create_app(settings)
    except ValidationFailed as failure:
        fail(failure.report.text(), EXIT_VIOLATIONS)
    except (SourceError, StoreNotLoaded, StoreUnavailable, StoreError) as error:
        fail(str(error))


@contextlib.contextmanager
def exits_on_os_error():
    """A folder that cannot be written exits 2 naming it, not with a traceback."""
    try:
        yield
    except OSError as error:
        fail(f"{error.filename or '?'}: {error.strerror or error}")


def show_progress() -> bool:
    """Progress bars only for a person watching: not in CI, not into a log file."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@main.command("load")
@content_options
@store_options
@click.option("--no-validate", "validate_on_start", flag_value=False, default=None,
              help="Load without validating first.")
@click.option("--remote-graph-store",
              help="Graph Store Protocol URL of the remote store, 'auto' (…/store on Oxigraph) or 'none' "
                   "(SPARQL Update only) [COOPGRAPH_REMOTE_GRAPH_STORE, auto].")
def load_command(validate_on_start, **flags):
    """Validate, then fill the on-disk or remote store from ontology/, data/ and shapes/.
    The previous store stays as it was unless the whole load succeeds; restart servers to see the new one."""
    settings = settings_from(validate_on_start=validate_on_start, **flags)
    if settings.store == "memory":
        fail("the memory store is filled when the server starts: load needs --store disk or --store remote")
    if settings.validate_on_start:
        try:
            report = validate(settings)
        except SourceError as error:
            fail(str(error))
        if not report.conforms:
            fail(report.text(), EXIT_VIOLATIONS)
    with exits_on_os_error(), tqdm(unit=" statements", unit_scale=True, disable=not show_progress(),
                                   desc="load", leave=False) as bar:
        try:
            loaded = load(settings, progress=bar.update)
        except (SourceError, StoreUnavailable, StoreError) as error:
            fail(str(error))
    phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in loaded.phases.items())
    click.echo(f"coopgraph: loaded {loaded.quads} quads of version {loaded.version} into the {loaded.store} "
               f"store at {loaded.where} in {loaded.seconds:.1f} s"
               + (f" ({phases}; graphs sent to {loaded.via})" if phases else ""), err=True)


class GunicornServer(BaseApplication):
    """Runs an already built app in gunicorn, so the store is loaded once, before
    forking, and shared copy-on-write by the workers (preload_app)."""

    def __init__(self, app, settings: Settings):
        self.application = app
        self.options = {
            "bind": f"{settings.host}:{settings.port}",
            "workers": settings.workers,
            # Threads keep a worker responsive while another request waits on a slow query.
            "worker_class": "gthread",
            "threads": 4,
            "preload_app": True,
            "accesslog": "-",
            # No gunicornc control socket: it lives at one fixed path per user, so two
            # servers (tests, a dev server) would fight over it.
            "control_socket_disable": True,
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # older gunicorns lack control_socket_disable
                self.cfg.set(key, value)

    def load(self):
        return self.application


if __name__ == "__main__":
    main()
