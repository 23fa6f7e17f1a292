"""``python -m onepin.cli``: the same as the ``onepin`` command."""

from onepin.cli import main

main()
