"""Where the server's secrets come from: files and the environment.

Whatever is on a command line can be read by every local user
(``/proc/PID/cmdline``, ``ps -eo args``), so each secret flag has a form
that keeps the secret off it:

=====================  ======================  ==========================
on the command line    from a file             from the environment
=====================  ======================  ==========================
``--ticket-seed HEX``  ``--ticket-seed-file``  ``TLSLITE_TICKETS_SEED``
``--psk HEX``          ``--psk-file``          (none)
``--redis URL``        (none)                  ``TLSLITE_TICKETS_REDIS_URL``
=====================  ======================  ==========================

A secret given on the command line still works, with one warning. Files
hold the secret as hex text or as raw bytes; they are read the way key
files are (regular files only, bounded, never blocking), and a file that
group or others may read gets a warning, as ssh gives for private keys.
A flag wins over the environment.
"""

import os
import stat
import string
from urllib.parse import urlsplit

from .._keyfile import read_regular_file
from . import common

SEED_ENV = "TLSLITE_TICKETS_SEED"
REDIS_URL_ENV = "TLSLITE_TICKETS_REDIS_URL"
#: Largest secret file read (a seed or PSK is tens of bytes).
MAX_SECRET_FILE_LEN = 4096

_HEX_DIGITS = frozenset(string.hexdigits.encode("ascii"))


def loose_permissions(path):
    """A warning if group or others may read ``path``, else ``None``."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # reading it will say what is wrong
    if stat.S_ISREG(mode) and mode & (stat.S_IRWXG | stat.S_IRWXO):
        return ("{0!r} is accessible by group or others (mode {1:04o}): "
                "'chmod 600' it".format(path, stat.S_IMODE(mode)))
    return None


def read_secret_file(path, flag, warn):
    """The secret in a file: hex text (whitespace ignored) or raw bytes."""
    problem = loose_permissions(path)
    if problem:
        warn("{0} {1}".format(flag, problem))
    try:
        data = read_regular_file(path, MAX_SECRET_FILE_LEN)
    except ValueError as exc:
        raise common.CliError("{0} {1!r}: {2}".format(flag, path, exc))
    text = b"".join(data.split())
    if text and set(text) <= _HEX_DIGITS:
        # raw random bytes look like hex only by a fluke of about 2**-56
        # for 16 bytes, so this is hex text, maybe with a digit missing
        if len(text) % 2:
            raise common.CliError("{0} {1!r}: an odd number of hex digits"
                                  .format(flag, path))
        return bytes.fromhex(text.decode("ascii"))
    if not data:
        raise common.CliError("{0} {1!r}: the file is empty".format(flag,
                                                                   path))
    return data


def from_hex(text, what):
    """Bytes from hex; the error never repeats the (secret) text."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise common.CliError("{0} must be hex".format(what)) from None


def resolve(hex_text, path, env_name, flag, warn):
    """One secret from ``--X HEX``, ``--X-file PATH`` or the environment
    (``None``: none of them given)."""
    if hex_text is not None and path is not None:
        raise common.CliError("give {0} or {0}-file, not both".format(flag))
    if path is not None:
        return read_secret_file(path, flag + "-file", warn)
    if hex_text is not None:
        return from_hex(hex_text, flag)
    if env_name and os.environ.get(env_name):
        return from_hex(os.environ[env_name].strip(), env_name)
    return None


def redis_url(args):
    """``--redis``, else ``TLSLITE_TICKETS_REDIS_URL``, else ``None``."""
    return args.redis or os.environ.get(REDIS_URL_ENV) or None


def on_command_line(args):
    """The secret-bearing flags given on the command line."""
    flags = []
    if args.ticket_seed is not None:
        flags.append("--ticket-seed")
    if args.psk is not None:
        flags.append("--psk")
    if args.redis and _has_password(args.redis):
        flags.append("--redis (its password)")
    return flags


def _has_password(url):
    try:
        return urlsplit(url).password is not None
    except ValueError:
        return False


def warn_command_line(args, warn):
    """One warning naming every secret given on the command line."""
    flags = on_command_line(args)
    if flags:
        warn("{0} on the command line can be read by every local user "
             "(ps, /proc/PID/cmdline): use --ticket-seed-file or {1}, "
             "--psk-file, {2}".format(", ".join(flags), SEED_ENV,
                                      REDIS_URL_ENV))
