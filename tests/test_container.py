"""The container recipe (container/), tested outside Docker: its entry point serves the content it is given
without writing to it, its health check tells a serving server from a stopped one, `docker stop`'s SIGTERM
stops it, and the Dockerfile runs as a user other than root."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from conftest import COOPGRAPH, PROJECT_ROOT, clean_environment, free_port

CONTAINER = PROJECT_ROOT / "container"
CONTENT = ("ontology", "data", "shapes", "queries")


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and modification time: what a write would change."""
    return {str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(root.rglob("*"))}


def healthy(port: int) -> int:
    environment = {**clean_environment(), "COOPGRAPH_PORT": str(port)}
    return subprocess.run([sys.executable, str(CONTAINER / "healthcheck.py")], env=environment,
                          capture_output=True, timeout=30).returncode


def test_the_entry_point_serves_read_only_content_and_stops_on_sigterm(tmp_path):
    root = tmp_path / "opt"
    for name in CONTENT:
        shutil.copytree(PROJECT_ROOT / name, root / name)
    for path in root.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    before = snapshot(root)
    port = free_port()
    environment = {**clean_environment(), "PATH": f"{COOPGRAPH.parent}:{os.environ['PATH']}",
                   "COOPGRAPH_ROOT": str(root), "COOPGRAPH_VAR_DIR": str(tmp_path / "var"),
                   "COOPGRAPH_HOST": "127.0.0.1", "COOPGRAPH_PORT": str(port)}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([str(CONTAINER / "entrypoint.sh"), "--workers", "2"], env=environment, stdout=log,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while healthy(port) != 0:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "not healthy in 120 s"
            time.sleep(0.5)
        # exec: the entry point's process is the server, so a SIGTERM to it reaches the server.
        assert "coopgraph" in Path(f"/proc/{server.pid}/cmdline").read_bytes().decode().replace("\0", " ")
        page = requests.get(f"http://127.0.0.1:{port}/doc/agreement/idf-zhejiang-2018.html", timeout=30)
        assert page.status_code == 200 and "Zhejiang" in page.text
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=30).json()["status"] == "ready"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
    assert healthy(port) == 1  # stopped: the check says so
    assert snapshot(root) == before  # dumps and the search index went to VAR_DIR, nothing to the content
    assert (tmp_path / "var" / "sites").is_dir()


def test_the_dockerfile_runs_as_a_user_with_a_health_check_and_copies_what_exists():
    recipe = (CONTAINER / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER (\S+)", recipe, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*healthcheck\.py", recipe, re.M)
    assert re.search(r"^ENTRYPOINT \[\"/usr/local/bin/entrypoint\.sh\"\]", recipe, re.M)
    assert "chmod -R a-w /opt/coopgraph" in recipe  # the server cannot write its code or content
    for line in re.findall(r"^COPY (?!--from)(.+)$", recipe, re.M):
        *sources, _ = line.split()
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), source
