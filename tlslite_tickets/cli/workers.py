"""``server --workers N``: several processes serving one listening socket.

The parent binds the socket, then forks N workers that all accept on it;
the kernel hands each connection to one of them. They share nothing but
what they were forked with, which is why the ticket keys must come from a
seed or key files (a random seed is made before the fork when none is
given), why TLS 1.2 session IDs need a shared store (``--redis``) to work
across workers, and why ``--single-use`` with several workers is refused
without ``--redis``: each worker would keep its own record of used tickets
and a ticket would resume once in every worker. Redis clients are made in
each worker after the fork: a connection must never be shared by
processes.

Everything that can be checked before the fork is (the Redis URL, redis-py,
the files): a bad flag is one line and a non-zero exit, never a worker that
dies at once. The parent only supervises:

* a worker that dies is replaced; one that dies within
  :data:`QUICK_EXIT_SECONDS` of its start is replaced after a back-off
  (0.1 s, doubling), and after :data:`MAX_QUICK_EXITS` such deaths in a row
  the server stops with exit status 1, as gunicorn does for workers that
  cannot boot;
* workers die with their parent: the kernel sends them SIGTERM when it
  goes (``PR_SET_PDEATHSIG``), or, where that is missing, a thread that
  watches the parent pid does, so no orphan keeps the port;
* SIGINT or SIGTERM stops every worker and then the parent, all with exit
  status 0.
"""

import ctypes
import hashlib
import hmac
import os
import signal
import threading
import time

from . import common, secret_sources, stopping
from .._keyfile import KeyFileError, load_key_file

#: A worker that ends this soon after its start counts as a failed start.
QUICK_EXIT_SECONDS = 10.0
#: Failed starts in a row after which the server gives up.
MAX_QUICK_EXITS = 5
#: Back-off before replacing a worker after the first failed start; it
#: doubles with each further one in a row.
FIRST_BACKOFF = 0.1
_PR_SET_PDEATHSIG = 1
_CACHE_LABEL = b"tlslite-tickets redis session cache"
_CACHE_LABEL_KEY_FILE = b"tlslite-tickets redis session cache, key file"


def add_fleet_flags(parser):
    """The server's --workers, --single-use and --redis flags."""
    add = parser.add_argument_group("several processes").add_argument
    add("--workers", metavar="N", type=int, default=1, help="serve from N "
        "processes sharing the listening socket and the ticket keys (a "
        "random seed is made for them if no --ticket-seed or key file is "
        "given)")
    add("--single-use", action="store_true", help="TLS 1.3 tickets resume "
        "at most once (settings.ticket_single_use): in Redis with --redis, "
        "else in the process's memory (so --workers above 1 needs --redis)")
    add("--redis", metavar="URL", help="redis://[:PASSWORD@]HOST:PORT/DB "
        "(rediss:// for TLS, unix:// for a socket) shared by all workers "
        "and servers: the TLS 1.2 session-ID cache (sealed with a key "
        "derived from the ticket seed or, with --ticket-key-file, from the "
        "key file's first key) and, with --single-use, the single-use "
        "store. Default: the environment variable " +
        secret_sources.REDIS_URL_ENV + ", which keeps a password off the "
        "command line. When Redis is down the server keeps serving: no "
        "single-use resumption, session-ID cache misses")


def prepare_fleet(settings, args):
    """Settings every worker must share, fixed and checked before the fork."""
    if args.workers < 1:
        raise common.CliError("--workers must be at least 1")
    # the URL from --redis or the environment; args.redis stays as given
    args.redis_url = url = secret_sources.redis_url(args)
    if args.single_use and args.workers > 1 and not url:
        raise common.CliError(
            "--single-use with --workers {0} needs --redis: each worker "
            "would keep its own record of used tickets, and a ticket would "
            "resume once in every worker".format(args.workers))
    if (args.workers > 1 or url) and settings.ticket_seed is None \
            and not args.ticket_key_file:
        settings.ticket_seed = os.urandom(32)
    args.redis_secret = None
    if url:
        check_redis_url(url)
        args.redis_secret = redis_cache_secret(settings, args)
    if args.single_use:
        settings.ticket_single_use = True  # Redis replaces it per worker


def check_redis_url(url):
    """Everything about a Redis URL that can be known without Redis: that
    redis-py is installed, and the URL's syntax, scheme and options."""
    try:
        from redis.exceptions import RedisError
    except ImportError:
        raise common.CliError("--redis needs redis-py: pip install "
                              "'tlslite-tickets[redis]'")
    from .._redis_common import make_client
    try:
        client = make_client(url)
        # a connection object, not yet connected: checks the URL's options
        client.connection_pool.make_connection().disconnect()
    except (ValueError, TypeError, RedisError) as exc:
        # redis-py's messages name the bad part, never the password
        raise common.CliError("--redis: bad URL: {0}".format(exc))


def redis_cache_secret(settings, args):
    """The secret that seals the TLS 1.2 sessions in Redis, derived from
    the ticket key material every server of the fleet shares: the seed, or
    the first (sealing) key of the key file as read at start."""
    if settings.ticket_seed is not None:
        return hmac.new(settings.ticket_seed, _CACHE_LABEL,
                        hashlib.sha256).digest()
    try:
        first = load_key_file(args.ticket_key_file)[0]
    except KeyFileError as exc:
        raise common.CliError(str(exc))
    return hmac.new(first.aead_key, _CACHE_LABEL_KEY_FILE,
                    hashlib.sha256).digest()


def start_worker(server, index):
    """Per-process set-up, after any fork: name the worker, connect Redis."""
    server.tag = "" if index is None else "worker {0}: ".format(index)
    url = server.options.redis_url
    if url:
        from .._redis_cache import RedisSessionCache
        from .._redis_store import RedisSingleUseStore

        server.session_cache = RedisSessionCache(
            url, server.options.redis_secret)
        if server.options.single_use:
            server.settings.ticket_single_use = RedisSingleUseStore(url)


def die_with_parent(parent):
    """Make this worker get SIGTERM when process ``parent`` ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library, loaded
        armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                         name="parent watcher").start()
    if os.getppid() != parent:  # it went before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)


def _watch_parent(parent):
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


class _Restarts:
    """When to replace a dead worker, and when to give up instead."""

    def __init__(self):
        self.quick_exits = 0  # in a row, over all workers

    def after_exit(self, ran_for):
        """Seconds to wait before the replacement, or ``None``: give up."""
        if ran_for >= QUICK_EXIT_SECONDS:
            self.quick_exits = 0
            return 0.0
        self.quick_exits += 1
        if self.quick_exits >= MAX_QUICK_EXITS:
            return None
        return FIRST_BACKOFF * 2 ** (self.quick_exits - 1)


def serve_in_workers(server, count, start_worker, describe=str):
    """Fork ``count`` workers running ``server.serve_forever()``.

    ``start_worker(index)`` runs in each worker before it serves (Redis
    clients are made there). Returns the exit status when the supervisor
    is stopped (0) or gives up on workers that keep failing (1).
    """
    workers = {}  # pid -> (index, start time)
    parent = os.getpid()

    def spawn(index):
        pid = os.fork()
        if pid:
            workers[pid] = (index, time.monotonic())
            return pid
        status = 0
        try:
            stopping.catch_stop_signals()
            die_with_parent(parent)
            start_worker(index)
            server.serve_forever()
        except stopping.Stop:
            pass
        except BaseException as exc:  # reported, then the parent replaces us
            stopping.say_if_writable("worker {0}: {1}".format(
                index, describe(exc)))
            status = 1
        finally:
            os._exit(status)

    restarts = _Restarts()
    stopping.catch_stop_signals()
    try:
        for index in range(1, count + 1):
            spawn(index)
        common.say("{0} workers started: pids {1}".format(
            count, " ".join(str(pid) for pid in sorted(workers))))
        while True:
            pid, status = os.wait()
            if pid not in workers:
                continue
            index, started = workers.pop(pid)
            delay = restarts.after_exit(time.monotonic() - started)
            if delay is None:
                stopping.say_if_writable(
                    "worker {0} (pid {1}) ended with status {2}; {3} "
                    "workers ended within {4:g} s of their start in a row: "
                    "stopping".format(index, pid, status, MAX_QUICK_EXITS,
                                      QUICK_EXIT_SECONDS))
                _stop_workers(workers)
                return 1
            common.say("worker {0} (pid {1}) ended with status {2}; "
                       "starting another{3}".format(
                           index, pid, status, " in {0:g} s".format(delay)
                           if delay else ""))
            time.sleep(delay)
            common.say("worker {0} restarted: pid {1}".format(index,
                                                             spawn(index)))
    except stopping.Stop as stop:
        stopping.ignore_stop_signals()
        stopping.say_if_writable("Stopping on {0}".format(stop.name))
        _stop_workers(workers)
    return 0


def _stop_workers(workers):
    """SIGTERM every worker, then reap them."""
    for pid in workers:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for pid in list(workers):
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
