"""What the SPARQL tests share: a TCP listener that counts who calls it."""

from __future__ import annotations

import multiprocessing
import socket


class Listener:
    """A TCP socket on 127.0.0.1 that accepts every connection, closes it at once (so a caller
    never hangs waiting for an answer) and counts it. Use it as a context manager.

    It runs in a process of its own, not a thread: pyoxigraph can hold the GIL while its HTTP
    client waits for an answer, and a listener thread in the same process would then never get
    to close the connection, so both would wait for ever.
    """

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/sparql"
        context = multiprocessing.get_context("fork")  # the child inherits the bound socket
        self._accepted = context.Value("i", 0)
        self._process = context.Process(target=_accept_and_close, args=(self._socket, self._accepted), daemon=True)

    def connections(self) -> int:
        """How many connections have arrived so far."""
        with self._accepted.get_lock():
            return self._accepted.value

    def __enter__(self) -> Listener:
        self._process.start()
        return self

    def __exit__(self, *exc) -> None:
        self._process.kill()
        self._process.join()
        self._socket.close()


def _accept_and_close(listening: socket.socket, accepted) -> None:
    while True:
        connection, _ = listening.accept()
        with accepted.get_lock():  # counted before the caller can see the connection close
            accepted.value += 1
        connection.close()
