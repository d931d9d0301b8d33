"""`esicheck serve`: run the HTTP API with uvicorn (the app comes from `create_app`)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli import app


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: Annotated[str | None, typer.Option("--db", envvar="ESICHECK_DATABASE_URL",
                                           help="SQLAlchemy database URL.")] = None,
    log_level: Annotated[str, typer.Option("--log-level")] = "info",
) -> None:
    """Serve the note-upload API and page; create keys first with `esicheck keys create`."""
    import uvicorn

    from api.http import create_app
    from api.settings import Settings

    settings = Settings(database_url=db) if db else Settings()
    # access_log off: URLs carry ids and query filters such as patient_ref.
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level,
                access_log=False)
