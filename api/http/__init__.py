"""FastAPI shell over the engine: upload notes, store analyses, read them back."""

from api.http.app import create_app

__all__ = ["create_app"]
