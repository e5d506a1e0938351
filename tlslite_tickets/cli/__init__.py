"""The command-line tools: ``python -m tlslite_tickets server|client|inspect``.

One module per command (``server``, ``client``, ``inspect``) with a
``main(argv, prog)``, plus their helpers. This package uses the core; the
core (every module one level up) never imports it, so an application that
embeds ``tlslite_tickets`` never loads ``http.server``, ``argparse`` or the
tools' formats.
"""
