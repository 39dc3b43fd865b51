"""``clearance``: the command-line entry point."""

from __future__ import annotations

import typer

from clearance import __version__
from clearance.cli import audit, explain, lint, serve, simulate

app = typer.Typer(
    name="clearance",
    help=(
        "An AWS-compatible IAM engine that explains every decision.\n\n"
        "Instance metadata: each EC2 instance's metadata service is served at "
        "http://HOST:PORT/imds/<instance-id>/ on the serve endpoint; a program started with "
        "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://HOST:PORT/imds/<instance-id>/ gets the "
        "instance role's credentials through the SDK's credential chain."
    ),
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
audit.register(app)
explain.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
