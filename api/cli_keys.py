"""`esicheck keys create|list|revoke`: manage the API keys the HTTP service accepts.

The key is printed once at creation; only its SHA-256 is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from api.cli import app, err, out
from api.store.repository import KeyExistsError, Repository

keys_app = typer.Typer(no_args_is_help=True, help="Manage API keys for the HTTP service.")
app.add_typer(keys_app, name="keys")

DbOption = Annotated[str | None, typer.Option("--db", envvar="ESICHECK_DATABASE_URL",
                                              help="SQLAlchemy database URL.")]


@contextmanager
def _repository(db: str | None) -> Iterator[Repository]:
    """A repository on `--db` (or the settings' database), tables created if missing."""
    from api.settings import Settings
    from api.store import create_db_engine, init_db, session_factory

    settings = Settings(database_url=db) if db else Settings()
    engine = create_db_engine(settings.database_url)
    init_db(engine)
    session = session_factory(engine)()
    try:
        yield Repository(session)
    finally:
        session.close()
        engine.dispose()


@keys_app.command("create")
def create_key(name: Annotated[str, typer.Option("--name", help="A unique key name.")],
               db: DbOption = None) -> None:
    """Create a key and print it once (store it now; it cannot be shown again)."""
    with _repository(db) as repo:
        try:
            key = repo.create_key(name)
        except KeyExistsError:
            err.print(f"a key named {name!r} already exists", highlight=False, markup=False)
            raise typer.Exit(2) from None
        repo.commit()
    typer.echo(key)


@keys_app.command("list")
def list_keys(db: DbOption = None) -> None:
    """Key names with creation and revocation times (never the keys)."""
    with _repository(db) as repo:
        for key in repo.list_keys():
            revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "active"
            out.print(f"{key.name}\t{key.created_at.isoformat(timespec='seconds')}\t{revoked}",
                      highlight=False, markup=False)


@keys_app.command("revoke")
def revoke_key(name: Annotated[str, typer.Option("--name")], db: DbOption = None) -> None:
    """Revoke a key by name; requests with it get 401 from then on."""
    with _repository(db) as repo:
        if not repo.revoke_key(name):
            err.print(f"no key named {name!r}", highlight=False, markup=False)
            raise typer.Exit(2)
        repo.commit()
    out.print(f"revoked {name}", highlight=False, markup=False)
