"""The HTTP servers `coopgraph serve` runs the app in, one class each behind `WebServer`, chosen by the
`web_server` setting from `WEB_SERVERS`.

Both are handed an app already built and primed in this process, and fork their workers from it, so
the store is loaded once and shared copy-on-write. Both answer the same bytes for the same request:
what differs between servers (the raw request line, its length limit) is decided by the app itself
(server/request_line.py), never by the server.

* granian (default): HTTP parsing and sockets in Rust, each worker with its own SO_REUSEPORT
  socket; about three times gunicorn's rate on warm documents (bench/RESULTS.md). A worker that dies
  is replaced; one that dies again within a few seconds of its replacement stops the server (Granian's
  crash-loop guard), which a supervisor then restarts.
* gunicorn: threads per worker (gthread), one shared listening socket.
"""

from __future__ import annotations

import errno
import multiprocessing
import socket
from abc import ABC, abstractmethod

from flask import Flask

from server.settings import Settings

LISTEN_BACKLOG = 2048
# Room gunicorn's own request-line limit leaves around the target the app measures (method, protocol),
# so that the app's 414 is the one clients see; gunicorn accepts at most 8190.
REQUEST_LINE_SLACK = 64


class CannotListen(Exception):
    """The settings' host and port cannot be listened on; the message says why, in one line."""


def listen(settings: Settings) -> socket.socket:
    """A socket bound and listening on the settings' host and port, so that a port that cannot be served
    is known before anything is built."""
    where = f"{settings.host}:{settings.port}"
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM,
                                                                 flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise CannotListen(f"cannot listen on {where}: the host is unknown ({error})") from None
    listener = socket.socket(family, kind, protocol)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
        listener.listen(LISTEN_BACKLOG)
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise CannotListen(f"cannot listen on {where}: the port is in use (another server?); "
                               "choose another with --port") from None
        raise CannotListen(f"cannot listen on {where}: {error.strerror or error}") from None
    return listener


class WebServer(ABC):
    """Serves a built app with `settings.workers` forked workers until told to stop."""

    name: str

    def __init__(self, app: Flask, settings: Settings, listener: socket.socket):
        self.app, self.settings, self.listener = app, settings, listener

    @abstractmethod
    def run(self) -> None:
        """Serves until SIGTERM or SIGINT, then stops the workers gracefully."""


class GranianServer(WebServer):
    name = "granian"

    def run(self) -> None:
        from granian.constants import Interfaces
        from granian.server import Server

        # Workers must be forked, never spawned: the app they are handed is this process's, store and all.
        multiprocessing.set_start_method("fork", force=True)
        settings, app = self.settings, self.app
        server = Server(
            "coopgraph", address=settings.host, port=settings.port, interface=Interfaces.WSGI,
            workers=settings.workers,
            # As many requests in Python at once as gunicorn's threads; more wait in Rust, not in Python.
            blocking_threads=settings.threads, backpressure=settings.threads,
            backlog=LISTEN_BACKLOG, respawn_failed_workers=True, log_access=False,  # the app logs (server/observe.py)
        )
        # Granian binds its own sockets (one per worker, SO_REUSEPORT): ours only held the port until now.
        self.listener.close()
        server.serve(target_loader=lambda _target: app)


class GunicornServer(WebServer):
    name = "gunicorn"

    def run(self) -> None:
        from gunicorn.app.base import BaseApplication

        settings, app, listener = self.settings, self.app, self.listener
        options = {
            "bind": f"fd://{listener.fileno()}",
            "workers": settings.workers,
            # Threads keep a worker responsive while another request waits on a slow query.
            "worker_class": "gthread",
            "threads": settings.threads,
            "preload_app": True,
            "limit_request_line": min(8190, settings.max_request_target_bytes + REQUEST_LINE_SLACK),
            # No gunicornc control socket: it lives at one fixed path per user, so two
            # servers (tests, a dev server) would fight over it.
            "control_socket_disable": True,
        }

        class Application(BaseApplication):
            def load_config(self):
                for key, value in options.items():
                    if key in self.cfg.settings:  # older gunicorns lack control_socket_disable
                        self.cfg.set(key, value)

            def load(self):
                return app

        Application().run()


WEB_SERVERS: dict[str, type[WebServer]] = {server.name: server for server in (GranianServer, GunicornServer)}
