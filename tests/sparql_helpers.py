"""What the SPARQL tests share: a TCP listener that counts who calls it."""

from __future__ import annotations

import socket
import threading


class Listener:
    """A TCP socket on 127.0.0.1 that accepts every connection, closes it at once (so a caller
    never hangs waiting for an answer) and counts it. Use it as a context manager."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/sparql"
        self._accepted = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.close()
            with self._lock:
                self._accepted += 1

    def connections(self) -> int:
        """How many connections have arrived so far."""
        with self._lock:
            return self._accepted

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self._thread.join()
        self._socket.close()
