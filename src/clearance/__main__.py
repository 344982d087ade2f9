"""``python -m clearance`` runs the command line."""

from clearance.cli.main import run

run()
