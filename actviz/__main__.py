"""``python -m actviz`` runs the command line."""

from .cli import main

main()
