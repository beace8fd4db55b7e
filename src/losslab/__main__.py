"""``python -m losslab`` runs the command line."""

from losslab.cli import main

main()
