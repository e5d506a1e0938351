"""Key files in OpenSSL/nginx's 80-byte format, and KeyFileRing reloading.

Tests run as root, so "unreadable" is a directory or a missing file, not a
chmod 000 file. Time is the ``now`` handed to the ring; nothing sleeps.
"""

import base64
import logging
import os
import pathlib
import threading

import pytest

from tlslite_tickets import _ticket
from tlslite_tickets._keyfile import (_TEXT_BYTES, KeyFileError, KeyFileRing,
                                      MAX_KEY_FILE_LEN, load_key_file,
                                      read_regular_file)
from tlslite_tickets._keys import TicketKey


def make_key(tag):
    """80 recognisable bytes; a NUL keeps raw files from looking like text."""
    return bytes([0, tag]) + bytes((tag * 7 + i) % 256 for i in range(78))


KEY1, KEY2, KEY3 = make_key(1), make_key(2), make_key(3)


def as_key(raw):
    return TicketKey(raw[:16], raw[16:])


def same(key, raw):
    expected = as_key(raw)
    return key.name == expected.name and key.aead_key == expected.aead_key


@pytest.fixture
def write(tmp_path):
    """``write(data, name="key")``: write, bump the mtime, return the path."""
    stamp = [1600000000 * 10 ** 9]

    def write_file(data, name="key"):
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        stamp[0] += 10 ** 9  # a distinct mtime even on coarse file systems
        os.utime(str(path), ns=(stamp[0], stamp[0]))
        return str(path)

    return write_file


def b64(raw):
    return base64.b64encode(raw).decode()


class TestLoadKeyFile:
    def test_raw_key(self, write):
        keys = load_key_file(write(KEY1))
        assert len(keys) == 1 and same(keys[0], KEY1)
        assert keys[0].name == KEY1[:16]

    def test_raw_keys_back_to_back(self, write):
        keys = load_key_file(write(KEY1 + KEY2 + KEY3))
        assert [k.name for k in keys] == [KEY1[:16], KEY2[:16], KEY3[:16]]
        assert same(keys[2], KEY3)

    def test_pathlib_path(self, write):
        assert same(load_key_file(pathlib.Path(write(KEY1)))[0], KEY1)

    @pytest.mark.parametrize("text", [
        b64(KEY1),
        b64(KEY1) + "\n",
        "  " + b64(KEY1)[:50] + "\r\n" + b64(KEY1)[50:] + " \r\n\n",
        "\ufeff" + b64(KEY1) + "\n",  # written by an editor with a BOM
    ])
    def test_base64_key(self, write, text):
        keys = load_key_file(write(text))
        assert len(keys) == 1 and same(keys[0], KEY1)

    def test_base64_one_key_per_line(self, write):
        keys = load_key_file(write("\n".join(b64(k) for k in (KEY1, KEY2))))
        assert same(keys[0], KEY1) and same(keys[1], KEY2)

    def test_base64_one_blob_wrapped_like_openssl(self, write):
        blob = b64(KEY1 + KEY2 + KEY3)
        lines = [blob[i:i + 64] for i in range(0, len(blob), 64)]
        keys = load_key_file(write("\n".join(lines) + "\n"))
        assert [same(k, r) for k, r in zip(keys, (KEY1, KEY2, KEY3))] == \
            [True] * 3

    def test_base64_of_only_x_and_padding(self, write):
        # a key whose base64 is all "X": nothing but padding is stripped
        text = "X" * 107 + "="
        keys = load_key_file(write(text))
        assert len(keys) == 1 and same(keys[0], base64.b64decode(text))

    def test_raw_key_with_one_del_byte_stays_raw(self, write):
        # DEL (0x7f) is not text: printable bytes plus one DEL are a raw key
        raw = b"\x7f" + b"A" * 79
        assert same(load_key_file(write(raw))[0], raw)

    def test_raw_key_starting_like_a_bom_stays_raw(self, write):
        raw = b"\xef\xbb\xbf" + KEY1[3:]
        assert same(load_key_file(write(raw))[0], raw)


class TestBadKeyFiles:
    def check(self, path, *words):
        with pytest.raises(KeyFileError) as info:
            load_key_file(path)
        message = str(info.value)
        assert path in message
        for word in words:
            assert word in message
        for raw in (KEY1, KEY2):
            for secret in (raw[16:], raw[16:48], raw[48:]):
                assert secret.hex() not in message
                assert repr(secret)[2:-1] not in message
        return message

    def test_is_a_value_error(self):
        assert issubclass(KeyFileError, ValueError)

    @pytest.mark.parametrize("data", [b"", b"\n", b"  \r\n\t\n"])
    def test_empty(self, write, data):
        self.check(write(data), "empty")

    @pytest.mark.parametrize("size", [79, 81, 159, 161])
    def test_wrong_raw_size(self, write, size):
        data = (KEY1 + KEY2 + KEY3)[:size]
        self.check(write(data), "wrong size", str(size), "80")

    def test_base64_of_wrong_size(self, write):
        self.check(write(b64(KEY1[:79])), "wrong size", "79", "80")

    def test_unreadable_directory(self, tmp_path):
        self.check(str(tmp_path), "cannot be read")

    def test_unreadable_missing(self, tmp_path):
        self.check(str(tmp_path / "absent"), "cannot be read")

    def test_bad_base64_character(self, write):
        text = b64(KEY1)
        message = self.check(write(text[:10] + "!" + text[11:] + "\n"),
                             "bad base64", "line 1, column 11")
        assert text[:10] not in message

    def test_bad_base64_character_on_a_later_line(self, write):
        self.check(write(b64(KEY1) + "\n" + "AB*D" + b64(KEY2)[4:]),
                   "bad base64", "line 2, column 3")

    @pytest.mark.parametrize("text", [
        b64(KEY1)[:-1],           # padding cut off
        b64(KEY1)[:-2],           # a character too few
        "=" + b64(KEY1),          # padding first
        b64(KEY1) + "==",         # too much padding
        b64(KEY1)[:40] + "=" + b64(KEY1)[41:],  # padding in the middle
    ])
    def test_bad_base64_padding(self, write, text):
        self.check(write(text), "bad base64")

    def test_too_large(self, write):
        self.check(write(KEY1 * (MAX_KEY_FILE_LEN // 80 + 1)), "larger")


class TestKeyFileRing:
    def test_first_key_of_first_file_seals(self, write):
        ring = KeyFileRing([write(KEY1 + KEY2, "a"), write(KEY3, "b")])
        assert same(ring.encryption_key(0), KEY1)
        assert ring.lookup(KEY1[:16], 0)[1] is False
        assert ring.lookup(KEY2[:16], 0)[1] is True
        key, renew = ring.lookup(KEY3[:16], 0)
        assert same(key, KEY3) and renew is True
        assert ring.lookup(b"\x09" * 16, 0) == (None, False)
        assert len(ring) == 3

    def test_single_path_and_first_name_wins(self, write):
        ring = KeyFileRing(write(KEY1 + KEY1[:16] + KEY2[16:]))
        assert len(ring) == 1
        assert same(ring.lookup(KEY1[:16], 0)[0], KEY1)

    def test_bad_file_at_start_raises(self, write, tmp_path):
        with pytest.raises(KeyFileError):
            KeyFileRing([write(KEY1, "a"), write(KEY1[:79], "b")])
        with pytest.raises(KeyFileError):
            KeyFileRing(str(tmp_path / "absent"))

    @pytest.mark.parametrize("kwargs, argument", [
        ({"paths": []}, "paths"),
        ({"check_interval": -1}, "check_interval"),
        ({"check_interval": "1"}, "check_interval"),
    ])
    def test_bad_arguments_named(self, write, kwargs, argument):
        kwargs.setdefault("paths", [write(KEY1)])
        with pytest.raises(ValueError) as info:
            KeyFileRing(**kwargs)
        assert str(info.value).startswith(argument)

    def test_reload_on_change_at_most_once_a_second(self, write):
        path = write(KEY1)
        ring = KeyFileRing(path)
        assert same(ring.encryption_key(100), KEY1)
        write(KEY2 + KEY1)
        assert same(ring.encryption_key(100.5), KEY1)  # not checked yet
        assert same(ring.encryption_key(101), KEY2)
        assert ring.lookup(KEY1[:16], 101)[1] is True
        write(KEY3)
        assert ring.lookup(KEY3[:16], 101.9) == (None, False)
        assert ring.lookup(KEY3[:16], 102)[1] is False
        assert ring.lookup(KEY1[:16], 102) == (None, False)

    def test_clock_going_back_still_checks(self, write):
        ring = KeyFileRing(write(KEY1))
        ring.encryption_key(1000)
        write(KEY2)
        assert same(ring.encryption_key(10), KEY2)

    def test_explicit_reload(self, write):
        ring = KeyFileRing(write(KEY1))
        assert ring.reload() is False
        write(KEY2)
        assert ring.reload() is True
        assert same(ring.encryption_key(0), KEY2)

    def test_bad_reload_keeps_keys_and_warns_once(self, write, caplog):
        path = write(KEY1)
        ring = KeyFileRing(path)
        ring.encryption_key(0)
        caplog.set_level(logging.INFO, logger="tlslite_tickets")
        write(KEY2[:79])
        for now in (1, 2, 3, 4):
            assert same(ring.encryption_key(now), KEY1)
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert warnings[0].name == "tlslite_tickets"
        assert path in warnings[0].getMessage()
        assert "79" in warnings[0].getMessage()
        assert KEY2[16:].hex() not in warnings[0].getMessage()
        assert isinstance(ring.last_error, KeyFileError)
        assert "wrong size" in str(ring.last_error)
        write(KEY2)
        assert same(ring.encryption_key(5), KEY2)
        assert ring.last_error is None

    def test_second_bad_version_warns_again(self, write, caplog):
        ring = KeyFileRing(write(KEY1))
        write(b"")
        ring.encryption_key(0)
        write("not base64!")
        ring.encryption_key(1)
        messages = [r.getMessage() for r in caplog.records
                    if r.levelno == logging.WARNING]
        assert len(messages) == 2
        assert "empty" in messages[0] and "bad base64" in messages[1]
        assert "bad base64" in str(ring.last_error)

    def test_deleted_file_keeps_keys_until_it_returns(self, write, caplog):
        path = write(KEY1)
        ring = KeyFileRing(path)
        os.remove(path)
        assert same(ring.encryption_key(0), KEY1)
        assert same(ring.encryption_key(1), KEY1)
        assert "cannot be read" in str(ring.last_error)
        assert len([r for r in caplog.records
                    if r.levelno == logging.WARNING]) == 1
        write(KEY2)
        assert same(ring.encryption_key(2), KEY2)
        assert ring.last_error is None

    def _replace_with_fifo(self, path):
        fifo = path + ".fifo"
        os.mkfifo(fifo)
        os.replace(fifo, path)  # as a careless rename would

    def _in_thread(self, call):
        """``call()`` in a thread that must finish promptly (a blocking
        open would hang the test otherwise)."""
        result = []
        thread = threading.Thread(target=lambda: result.append(call()),
                                  daemon=True)
        thread.start()
        thread.join(10)
        assert not thread.is_alive(), "the reload blocked"
        return result[0]

    def test_fifo_in_place_is_a_bad_reload_that_never_blocks(self, write,
                                                              caplog):
        path = write(KEY1)
        ring = KeyFileRing(path)
        self._replace_with_fifo(path)
        for now in (1, 2, 3):
            key = self._in_thread(lambda: ring.encryption_key(now))
            assert same(key, KEY1)  # the previous keys are kept
        warnings = [r.getMessage() for r in caplog.records
                    if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "not a regular file" in warnings[0]
        assert self._in_thread(ring.reload) is False
        # nothing is left held: a good file is picked up again
        os.remove(path)  # (writing through the FIFO would block the test)
        write(KEY2)
        assert same(ring.encryption_key(4), KEY2)
        assert ring.last_error is None

    @pytest.mark.parametrize("target", ["/dev/zero", "directory"])
    def test_device_or_directory_in_place_is_a_bad_reload(self, write,
                                                          tmp_path, target):
        path = write(KEY1)
        ring = KeyFileRing(path)
        if target == "directory":
            os.remove(path)
            os.mkdir(path)
        else:
            os.remove(path)
            os.symlink(target, path)
        assert same(self._in_thread(lambda: ring.encryption_key(1)), KEY1)
        assert "not a regular file" in str(ring.last_error)

    def test_fifo_at_start_fails_at_once(self, tmp_path):
        path = str(tmp_path / "key")
        os.mkfifo(path)
        error = self._in_thread(lambda: pytest.raises(
            KeyFileError, load_key_file, path).value)
        assert str(error) == "ticket key file {0!r}: cannot be read: not a " \
            "regular file".format(path)

    def test_one_bad_file_of_two(self, write):
        ring = KeyFileRing([write(KEY1, "a"), write(KEY2, "b")])
        bad = write(b"\x00" * 81, "b")
        write(KEY3, "a")
        assert same(ring.encryption_key(0), KEY3)
        assert same(ring.lookup(KEY2[:16], 0)[0], KEY2)
        assert repr(bad) in str(ring.last_error)

    def test_repr_shows_no_secret(self, write):
        ring = KeyFileRing(write(KEY1 + KEY2))
        text = repr(ring)
        assert KEY1[:16].hex() in text
        for raw in (KEY1, KEY2):
            assert raw[16:].hex() not in text
            assert as_key(raw).aead_key.hex() not in text

    def test_lookups_during_rewrites(self, write):
        path = write(KEY1)
        ring = KeyFileRing(path, check_interval=0)
        known = {KEY1[:16], KEY2[:16]}
        errors = []
        stop = threading.Event()

        def worker():
            try:
                now = 0
                while not stop.is_set():
                    now += 1
                    assert ring.encryption_key(now).name in known
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for i in range(50):
            write(KEY2 if i % 2 else KEY1)
        stop.set()
        for thread in threads:
            thread.join()
        assert errors == []

    def test_ticket_round_trip(self, write):
        ring = KeyFileRing([write(KEY1, "a"), write(KEY2, "b")])
        contents = _ticket.TicketContents((3, 4), 0x1301, b"p" * 32, 0, 60)
        ticket = _ticket.seal(ring.encryption_key(0), contents)
        key, renew = ring.lookup(_ticket.key_name_of(ticket), 0)
        assert renew is False
        assert _ticket.open_ticket(key, ticket).secret == b"p" * 32


class TestExactMessages:
    """The whole message, as a log line or an error shows it."""

    @pytest.mark.parametrize("data,problem", [
        (b"", "is empty"),
        (b" \n", "is empty"),
        (KEY1[:79], "wrong size: is 79 bytes, expected 80 bytes per key (a "
                    "multiple of 80, or of 48)"),
        (b64(KEY1[:79]).encode(), "wrong size: decodes to 79 bytes, expected "
                                  "80 bytes per key (a multiple of 80, or of "
                                  "48)"),
        (b"AB!D", "bad base64: unexpected character at line 1, column 3"),
        (b"\nAB!D", "bad base64: unexpected character at line 2, column 3"),
        # every text byte there is, so text (and bad base64), not raw keys
        (bytes(sorted(_TEXT_BYTES)) + b"A" * 60,
         "bad base64: unexpected character at line 2, column 5"),
        (b"QUJD\nQUJ", "bad base64: truncated or badly padded"),
        (b"\x00" * (MAX_KEY_FILE_LEN + 1), "is larger than 65536 bytes"),
    ])
    def test_file_problems(self, write, data, problem):
        path = write(data)
        with pytest.raises(KeyFileError) as info:
            load_key_file(path)
        assert str(info.value) == "ticket key file {0!r}: {1}".format(
            path, problem)

    def test_missing_file(self, tmp_path):
        path = str(tmp_path / "absent")
        with pytest.raises(KeyFileError) as info:
            load_key_file(path)
        assert str(info.value) == ("ticket key file {0!r}: cannot be read: "
                                   "No such file or directory".format(path))

    @pytest.mark.parametrize("kwargs,message", [
        ({"paths": []}, "paths: a key file ring needs at least one file"),
        ({"paths": ["x"], "check_interval": -1},
         "check_interval must be a number of seconds >= 0, got -1"),
        ({"paths": ["x"], "check_interval": True},
         "check_interval must be a number of seconds >= 0, got True"),
    ])
    def test_ring_arguments(self, kwargs, message):
        with pytest.raises(ValueError) as info:
            KeyFileRing(**kwargs)
        assert str(info.value) == message

    def test_a_file_of_the_largest_size_is_read(self, write):
        # MAX_KEY_FILE_LEN bytes are read whole (then judged by their size)
        path = write(b"\x00" * MAX_KEY_FILE_LEN)
        with pytest.raises(KeyFileError) as info:
            load_key_file(path)
        assert "wrong size: is 65536 bytes" in str(info.value)


class TestReloadDetails:
    def test_every_file_is_checked_whatever_the_others_did(self, write):
        # a file that did not change, or failed to load, does not stop the
        # files after it from being checked
        ring = KeyFileRing([write(KEY1, "a"), write(KEY2, "b")])
        assert ring.last_error is None
        write(KEY3, "b")
        assert ring.lookup(KEY3[:16], 0)[0] is not None
        write(b"", "a")
        write(KEY2, "b")
        assert same(ring.lookup(KEY2[:16], 1)[0], KEY2)
        assert ring.lookup(KEY3[:16], 1) == (None, False)
        assert "is empty" in str(ring.last_error)
        # once the bad file is good again, no error is left, although the
        # other file was never re-read since
        write(KEY1, "a")
        ring.encryption_key(2)
        assert ring.last_error is None

    def test_error_clears_while_another_file_was_never_reread(self, write):
        ring = KeyFileRing([write(KEY1, "a"), write(KEY2, "b")])
        write(b"", "a")
        ring.encryption_key(0)
        assert "is empty" in str(ring.last_error)
        write(KEY3, "a")  # "b" stays as it was loaded at the start
        assert same(ring.encryption_key(1), KEY3)
        assert ring.last_error is None

    def test_same_instant_is_not_checked_again(self, write):
        ring = KeyFileRing(write(KEY1), check_interval=1)
        assert same(ring.encryption_key(100), KEY1)
        write(KEY2)
        assert same(ring.encryption_key(100), KEY1)
        assert same(ring.encryption_key(101), KEY2)

    def test_a_handshake_never_waits_for_a_reload(self, write):
        ring = KeyFileRing(write(KEY1))
        write(KEY2)
        answers = []
        # another thread is re-reading the files (it holds no lock for that)
        ring._reloading = True
        try:
            worker = threading.Thread(
                target=lambda: answers.append(ring.encryption_key(50)),
                daemon=True)
            worker.start()
            worker.join(5)
            assert not worker.is_alive()
        finally:
            ring._reloading = False
        assert same(answers[0], KEY1)  # the keys it had

    def test_one_reload_at_a_time(self, write, monkeypatch):
        # a reload stuck on a slow disk: the others return at once, with
        # the keys loaded before, and nothing is read twice meanwhile
        from tlslite_tickets import _keyfile
        ring = KeyFileRing(write(KEY1))
        write(KEY2)
        entered, release = threading.Event(), threading.Event()
        real_signature = _keyfile._signature
        calls = []

        def slow_signature(path):
            calls.append(threading.current_thread().name)
            entered.set()
            assert release.wait(10)
            return real_signature(path)
        monkeypatch.setattr(_keyfile, "_signature", slow_signature)
        results = []
        worker = threading.Thread(target=lambda: results.append(
            ring.reload()), name="slow", daemon=True)
        worker.start()
        try:
            assert entered.wait(10)
            assert ring.reload() is False
            assert same(ring.encryption_key(60), KEY1)
            assert calls == ["slow"]
        finally:
            release.set()
            worker.join(10)
        assert results == [True]
        assert same(ring.encryption_key(61), KEY2)

    def test_log_lines_and_repr(self, write, caplog):
        path = write(KEY1)
        ring = KeyFileRing(path)
        assert repr(ring) == "KeyFileRing(files=1, current={0}, keys=1)" \
            .format(KEY1[:16].hex())
        caplog.set_level(logging.INFO, logger="tlslite_tickets")
        write(b"")
        ring.encryption_key(1)
        write(KEY2 + KEY3)
        ring.encryption_key(2)
        assert [r.getMessage() for r in caplog.records] == [
            "ticket key file {0!r}: is empty; keeping the 1 key(s) loaded "
            "before".format(path),
            "ticket key file {0!r} reloaded: 2 key(s)".format(path)]


class TestReadRegularFile:
    """The bounded reader under a file that changes after its size was
    looked at (``fstat`` says 0, as it does for a file still being
    written) and reads that return a few bytes at a time: the bound holds
    on what is read, not on what fstat said."""

    @pytest.fixture
    def racing(self, monkeypatch):
        real_fstat, real_read = os.fstat, os.read

        class Shrunk:
            def __init__(self, info):
                self.st_mode, self.st_size = info.st_mode, 0

        monkeypatch.setattr(os, "fstat", lambda fd: Shrunk(real_fstat(fd)))
        monkeypatch.setattr(os, "read",
                            lambda fd, n: real_read(fd, min(n, 7)))

    def test_a_file_that_grew_past_the_limit_is_refused(self, tmp_path,
                                                        racing):
        path = tmp_path / "grown"
        path.write_bytes(b"x" * 15)
        with pytest.raises(ValueError) as info:
            read_regular_file(str(path), 14)  # two reads reach 14 exactly
        assert str(info.value) == "is larger than 14 bytes"

    def test_a_file_at_the_limit_is_read_whole_in_pieces(self, tmp_path,
                                                         racing):
        path = tmp_path / "full"
        path.write_bytes(bytes(range(14)))
        assert read_regular_file(str(path), 14) == bytes(range(14))

    def test_a_read_error_is_named(self, tmp_path, monkeypatch):
        path = tmp_path / "key"
        path.write_bytes(KEY1)

        def failing(fd, n):
            raise OSError(5, "Input/output error")
        monkeypatch.setattr(os, "read", failing)
        with pytest.raises(ValueError) as info:
            read_regular_file(str(path), 100)
        assert str(info.value) == "cannot be read: Input/output error"
