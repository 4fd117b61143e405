#!/bin/sh
# The container's entry point: `coopgraph serve` with the COOPGRAPH_* settings of the image (or the run), and
# any flags given to `docker run … coopgraph <flags>`. exec: the server is process 1's child no more but
# process 1 itself, so `docker stop`'s SIGTERM reaches it and it stops its workers gracefully.
set -eu
exec coopgraph serve "$@"
