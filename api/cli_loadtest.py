"""`esicheck loadtest`: drive a running `esicheck serve` on loopback and report the figures."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from api.cli import app

err = Console(stderr=True)


@app.command()
def loadtest(
    url: Annotated[str, typer.Option(help="Base URL of the service (loopback only).")] = (
        "http://127.0.0.1:8000"),
    key: Annotated[str, typer.Option(envvar="ESICHECK_API_KEY",
                                     help="API key (from `esicheck keys create`).")] = "",
    clients: Annotated[int, typer.Option(help="Concurrent clients (1-500).")] = 50,
    seconds: Annotated[float, typer.Option(help="Duration in seconds (max 600).")] = 60.0,
    max_requests: Annotated[int, typer.Option("--max-requests",
                                              help="Stop after this many requests.")] = 200_000,
) -> None:
    """POST+GET synthetic notes with N clients for T seconds; print JSON; exit 1 on any error.

    Set `ESICHECK_RATE_LIMIT_PER_MINUTE=0` (or high) on the server first: one key is shared by
    every client, so the default per-key limit would answer 429.
    """
    from api.loadtest import LoadTestError, load

    if not key:
        err.print("--key (or ESICHECK_API_KEY) is required", highlight=False)
        raise typer.Exit(2)
    try:
        result = load(url, key, clients=clients, seconds=seconds, max_requests=max_requests)
    except LoadTestError as exc:
        err.print(str(exc), highlight=False, markup=False)
        raise typer.Exit(2) from exc
    sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    if result.errors or not result.requests:
        raise typer.Exit(1)
