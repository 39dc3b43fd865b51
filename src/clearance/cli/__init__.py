"""Command-line interface: the only layer that parses arguments."""
