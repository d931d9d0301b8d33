"""Deployment settings for the HTTP service and the store, read once from `ESICHECK_*` env vars.

Analysis knobs live in data under `patterns/`; only deployment knobs (where the database is,
how large an upload may be, which browser origins may call the API) belong here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every deployment knob of the service; override with `ESICHECK_<FIELD>` variables."""

    model_config = SettingsConfigDict(env_prefix="ESICHECK_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Where the default SQLite lives.")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means sqlite:///<data_dir>/esicheck.sqlite."
    )
    max_text_chars: int = Field(default=200_000, gt=0)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_page_size: int = Field(default=100, gt=0)
    cors_origins: list[str] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests per minute per API key; 0 disables the limit."
    )
    db_retry_after_seconds: int = Field(
        default=5, gt=0, description="Retry-After sent with 503 when the database is away."
    )

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'esicheck.sqlite'}"
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
