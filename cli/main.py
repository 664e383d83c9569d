"""The `notegen` command."""
import click

@click.group()
def main() -> None:
    """notegen"""
