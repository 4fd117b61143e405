"""`python -m bench generate --size 10k --out DIR` · `python -m bench run --size 100k [--seconds 5] [--only a,b]`
· `python -m bench search --size 1M`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.generate import generate, parse_size
from bench.run import PROJECT_ROOT, run
from bench.search import run as run_search


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="write a synthetic project folder (ontology/, data/, shapes/)")
    make.add_argument("--size", default="10k", help="triples of data: 10k, 100k, 1M… [10k]")
    make.add_argument("--out", type=Path, required=True, help="the folder to write")
    bench = commands.add_parser("run", help="run the servers side by side and write bench/results/SIZE.{md,json}")
    bench.add_argument("--size", default="100k", help="triples of data: 10k, 100k, 1M… [100k]")
    bench.add_argument("--seconds", type=float, default=5, help="duration of each measure [5]")
    bench.add_argument("--only", help="comma-separated server names (hello needs coopgraph-memory before it)")
    bench.add_argument("--workdir", type=Path, help="where data and stores go [var/bench/SIZE]")
    bench.add_argument("--reuse", action="store_true",
                       help="keep the data, stores and dumps an earlier run of this size prepared (their times too)")
    find = commands.add_parser("search", help="search, suggest and reconcile against a SPARQL scan: "
                                               "bench/results/search-SIZE.{md,json}")
    find.add_argument("--size", default="1M", help="triples of data [1M]")
    find.add_argument("--workdir", type=Path, help="where data goes [var/bench/search-SIZE]")
    args = parser.parse_args()
    if args.command == "search":
        run_search(args.size, args.workdir or PROJECT_ROOT / "var" / "bench" / f"search-{args.size}")
    elif args.command == "generate":
        print(f"{generate(parse_size(args.size), args.out)} triples of data in {args.out}")
    else:
        run(args.size, args.seconds, args.only.split(",") if args.only else None,
            args.workdir or PROJECT_ROOT / "var" / "bench" / args.size, reuse=args.reuse)


if __name__ == "__main__":
    main()
