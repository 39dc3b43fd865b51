"""``clearance``: the command-line entry point."""

from __future__ import annotations

import typer

from clearance import __version__
from clearance.cli import lint, serve, simulate

app = typer.Typer(
    name="clearance",
    help="An AWS-compatible IAM engine that explains every decision.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clearance {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Clearance: decide and explain AWS IAM authorization."""


simulate.register(app)
lint.register(app)
serve.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
