"""``python -m pmbridge`` runs the command line."""

from pmbridge.cli import main

main()
