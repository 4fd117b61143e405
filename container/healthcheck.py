"""The container's health check: exit 0 when /healthz answers 200 on the port the server listens on."""

import os
import sys
import urllib.request

port = os.environ.get("COOPGRAPH_PORT", "8000")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:
    print(f"coopgraph health check: {error}", file=sys.stderr)
    sys.exit(1)
