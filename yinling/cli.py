"""`yinling`: the backend's commands (``backend.cli.main``) plus those that need the other packages:
``serve`` (the whole product, as `make run` serves it) and ``speech …``."""
from __future__ import annotations

from backend.cli.main import main
from speech.cli import speech


@main.command("serve")
def serve() -> None:
    """Start the API with the console, family pages and hotline (as `make run` does, without Rasa)."""
    from yinling.run import serve as serve_all
    serve_all()


main.add_command(speech)

__all__ = ["main"]
