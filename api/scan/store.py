"""Scan results table (SQLAlchemy 2 Core): one row per episode, committed as soon as it is done
so a killed scan resumes where it stopped. SQLite by default; any SQLAlchemy URL works."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

DEFAULT_TABLE = "scan_results"


def results_table(metadata: MetaData, name: str = DEFAULT_TABLE) -> Table:
    return Table(
        name,
        metadata,
        Column("episode_id", String(512), primary_key=True),
        Column("patient_ref", String(256)),
        Column("date_of_service", String(10)),
        Column("provider", String(256)),
        Column("site", String(256)),
        Column("payer", String(128)),
        Column("billed_cpt", String(16)),
        Column("suggested_codes", String(256)),
        Column("supports_62323", Boolean),
        Column("complete", Boolean),
        Column("priority", Integer),
        Column("notes", Integer),
        Column("error", Text),
        Column("analysis_json", Text),
    )


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    """WAL with synchronous=NORMAL: a commit survives a killed process (what resume needs)
    without an fsync per episode, which otherwise costs more than the analysis itself."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class ScanStore:
    """The results table behind one database URL."""

    def __init__(self, url: str, table: str = DEFAULT_TABLE) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
        self.table = results_table(MetaData(), table)
        self.table.metadata.create_all(self.engine)

    def done_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(self.table.c.episode_id)).scalars())

    def add(self, row: dict[str, Any]) -> None:
        """Insert one finished episode and commit; an id already present is left as it is."""
        dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(self.engine.dialect.name)
        if dialect is not None:
            statement = (
                dialect.insert(self.table)
                .values(**row)
                .on_conflict_do_nothing(index_elements=["episode_id"])
            )
        else:
            statement = insert(self.table).values(**row)
        with self.engine.begin() as conn:
            conn.execute(statement)

    def update_many(self, rows: list[dict[str, Any]]) -> None:
        """Rewrite recomputed fields of existing rows in one transaction."""
        if not rows:
            return
        with self.engine.begin() as conn:
            for row in rows:
                values = {k: v for k, v in row.items() if k != "episode_id"}
                conn.execute(
                    update(self.table)
                    .where(self.table.c.episode_id == row["episode_id"])
                    .values(**values)
                )

    def rows(self) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as conn:
            for row in conn.execute(select(self.table).order_by(self.table.c.episode_id)):
                yield dict(row._mapping)

    def dispose(self) -> None:
        self.engine.dispose()
