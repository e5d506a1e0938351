"""``python -m tlslite_tickets COMMAND ...``: the command-line tools.

Each sub-command lives in its own module with a ``main(argv, prog)`` that
returns the exit status; :data:`COMMANDS` maps names to those modules so a
new command (``client``, ``inspect``) is one line here. Modules are imported
only when their command runs, so one command's imports never slow another.

The file also works as a plain script path (``python .../__main__.py``),
which is how harnesses that expect a ``tls.py``-like file can run it.
"""

import importlib
import os
import sys

if not __package__:
    # run as a file: sys.path[0] is the package folder, whose modules must
    # not be importable as top-level names; put its parent there instead
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: sub-command -> (module, one-line summary)
COMMANDS = {
    "server": ("tlslite_tickets.cli.server",
               "TLS test server (tls.py server flags) with ticket control"),
    "client": ("tlslite_tickets.cli.client",
               "TLS client: resume from saved sessions, report tickets"),
    "inspect": ("tlslite_tickets.cli.inspect",
                "decrypt a ticket and show what it carries"),
}

PROG = "python -m tlslite_tickets"


def usage():
    """The top-level help text listing the sub-commands."""
    lines = ["usage: {0} COMMAND [options]".format(PROG), "", "commands:"]
    for name, (_, summary) in sorted(COMMANDS.items()):
        lines.append("  {0:<10}{1}".format(name, summary))
    lines += ["", "'{0} COMMAND --help' describes a command's options."
              .format(PROG)]
    return "\n".join(lines)


def resolve(word):
    """The command named by ``word`` or by an unambiguous prefix of it
    (tls.py accepts prefixes too), else None."""
    if word in COMMANDS:
        return word
    matches = [name for name in COMMANDS if name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def main(argv=None):
    """Dispatch to a sub-command; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    name = resolve(argv[0])
    if name is None:
        print("{0}: unknown command {1!r}\n\n{2}".format(
            PROG, argv[0], usage()), file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(argv[1:], prog="{0} {1}".format(PROG, name))


if __name__ == "__main__":
    sys.exit(main())
