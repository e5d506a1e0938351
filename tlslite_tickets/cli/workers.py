"""``server --workers N``: several processes serving one listening socket.

The parent binds the socket, then forks N workers that all accept on it;
the kernel hands each connection to one of them. They share nothing but
what they were forked with, which is why the ticket keys must come from a
seed or key files (a random seed is made before the fork when none is
given) and why single-use tickets and TLS 1.2 session IDs need a shared
store (``--redis``) to work across workers. Redis clients are made in each
worker after the fork: a connection must never be shared by processes.

The parent only supervises: a worker that dies is replaced, and SIGINT or
SIGTERM stops every worker and then the parent, all with exit status 0.
"""

import hashlib
import hmac
import os
import signal

from . import common


def add_fleet_flags(parser):
    """The server's --workers, --single-use and --redis flags."""
    add = parser.add_argument_group("several processes").add_argument
    add("--workers", metavar="N", type=int, default=1, help="serve from N "
        "processes sharing the listening socket and the ticket keys (a "
        "random seed is made for them if no --ticket-seed or key file is "
        "given)")
    add("--single-use", action="store_true", help="TLS 1.3 tickets resume "
        "at most once (settings.ticket_single_use): in Redis with --redis, "
        "else in each process's memory")
    add("--redis", metavar="URL", help="redis://HOST:PORT/DB shared by all "
        "workers and servers: the TLS 1.2 session-ID cache (sealed with a key "
        "derived from the ticket seed) and, with --single-use, the "
        "single-use store. When Redis is down the server keeps serving: "
        "no single-use resumption, session-ID cache misses")


def prepare_fleet(settings, args):
    """Settings every worker must share, fixed before the fork."""
    if args.workers < 1:
        raise common.CliError("--workers must be at least 1")
    if args.redis and args.ticket_key_file:
        raise common.CliError("--redis derives its session cache key from "
                              "the ticket seed: use --ticket-seed, not "
                              "--ticket-key-file")
    if (args.workers > 1 or args.redis) and settings.ticket_seed is None \
            and not args.ticket_key_file:
        settings.ticket_seed = os.urandom(32)
    if args.redis:
        try:
            import redis  # noqa: F401  (used by the Redis stores)
        except ImportError:
            raise common.CliError("--redis needs redis-py: pip install "
                                  "'tlslite-tickets[redis]'")
    if args.single_use:
        settings.ticket_single_use = True  # Redis replaces it per worker


def start_worker(server, index):
    """Per-process set-up, after any fork: name the worker, connect Redis."""
    server.tag = "" if index is None else "worker {0}: ".format(index)
    url = server.options.redis
    if url:
        from .._redis_cache import RedisSessionCache
        from .._redis_store import RedisSingleUseStore

        secret = hmac.new(server.settings.ticket_seed,
                          b"tlslite-tickets redis session cache",
                          hashlib.sha256).digest()
        server.session_cache = RedisSessionCache(url, secret)
        if server.options.single_use:
            server.settings.ticket_single_use = RedisSingleUseStore(url)


class _Stop(Exception):
    """SIGINT/SIGTERM in a worker or the supervisor."""


def _raise_stop(signum, frame):
    raise _Stop(signum)


def serve_in_workers(server, count, start_worker, describe=str):
    """Fork ``count`` workers running ``server.serve_forever()``.

    ``start_worker(index)`` runs in each worker before it serves (Redis
    clients are made there). Returns when the supervisor is stopped.
    """
    workers = {}

    def spawn(index):
        pid = os.fork()
        if pid:
            workers[pid] = index
            return
        status = 0
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, _raise_stop)
            start_worker(index)
            server.serve_forever()
        except _Stop:
            pass
        except BaseException as exc:  # reported, then the parent replaces us
            common.say("worker {0}: {1}".format(index, describe(exc)))
            status = 1
        finally:
            os._exit(status)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_stop)
    try:
        for index in range(1, count + 1):
            spawn(index)
        common.say("{0} workers started: pids {1}".format(
            count, " ".join(str(pid) for pid in sorted(workers))))
        while True:
            pid, status = os.wait()
            index = workers.pop(pid, None)
            if index is not None:
                common.say("worker {0} (pid {1}) ended with status {2}; "
                           "starting another".format(index, pid, status))
                spawn(index)
    except _Stop as stop:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        common.say("Stopping on {0}".format(signal.Signals(stop.args[0]).name))
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
