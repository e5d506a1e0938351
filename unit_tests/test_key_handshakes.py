"""Ticket keys over real handshakes: rotation, shared seeds, key files."""

import base64
import logging
import os

import pytest

import tlslite_tickets as tt
from support import CallbackLog, FakeClock, PythonSSLClient, ticket_settings
from test_key_cb import follow_status

PERIOD = 100
WINDOW = 250
FULL = {"1.2": 1, "1.3": 2}


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_rotation_renews_then_expires_old_tickets(make_server, version):
    clock = FakeClock(now=1000 * PERIOD)  # the start of a slot
    log = CallbackLog(ret=follow_status)
    server = make_server(ticket_settings(
        log, ticket_clock=clock, ticket_rotation_period=PERIOD,
        ticket_decrypt_window=WINDOW, ticketLifetime=10000))
    client = PythonSSLClient(version)
    old = client.connect(server).session

    clock.advance(50)  # same slot: TLS 1.2 needs no renewal
    log.reset()
    assert client.connect(server, session=old).resumed
    same_slot_name = log.keynames[0]
    assert log.statuses == [tt.SSL_TICKET_SUCCESS if version == "1.2"
                            else tt.SSL_TICKET_SUCCESS_RENEW]

    clock.advance(100)  # next slot: the old key still opens, and renews
    log.reset()
    renewed = client.connect(server, session=old)
    assert renewed.resumed and renewed.tickets == 1
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]

    log.reset()
    assert client.connect(server, session=renewed.session).resumed
    assert log.keynames[0] != same_slot_name  # sealed under the new key

    clock.advance(110)  # past the old key's window: NO_DECRYPT
    log.reset()
    late = client.connect(server, session=old)
    assert not late.resumed and late.tickets == FULL[version]
    assert log.statuses == [tt.SSL_TICKET_NO_DECRYPT]
    assert client.connect(server, session=renewed.session).resumed


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_servers_with_the_same_seed_resume_each_other(make_server, version):
    seed = os.urandom(32)
    one = make_server(ticket_settings(ticket_seed=seed))
    two = make_server(ticket_settings(ticket_seed=seed))
    stranger = make_server(ticket_settings(ticket_seed=os.urandom(32)))
    client = PythonSSLClient(version)
    first = client.connect(one)
    second = client.connect(two, session=first.session)
    assert second.resumed and two.last().resumed
    third = client.connect(one, session=second.session or first.session)
    assert third.resumed
    assert not client.connect(stranger, session=first.session).resumed


def test_seed_and_window_errors_name_the_setting():
    for field, value in (("ticket_seed", b"short"),
                         ("ticket_seed", "text seed of any length"),
                         ("ticket_rotation_period", 0),
                         ("ticket_rotation_period", "1h"),
                         ("ticket_decrypt_window", 10)):
        settings = ticket_settings(**{field: value})
        with pytest.raises(ValueError) as info:
            settings.validate()
        assert field in str(info.value), (field, str(info.value))
        if field == "ticket_seed":
            assert "short" not in str(info.value)


def write_keys(path, *keys, encode=False):
    data = b"".join(keys)
    if encode:
        data = b"\n".join(base64.b64encode(k) for k in keys) + b"\n"
    with open(path, "wb") as handle:
        handle.write(data)
    return str(path)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_key_files_raw_and_base64_are_the_same_keys(make_server, version,
                                                    tmp_path):
    key = os.urandom(80)
    raw = write_keys(tmp_path / "ticket.key", key)
    text = write_keys(tmp_path / "ticket.b64", key, encode=True)
    one = make_server(ticket_settings(ticket_key_files=[raw]))
    two = make_server(ticket_settings(ticket_key_files=[text]))
    client = PythonSSLClient(version)
    first = client.connect(one)
    assert client.connect(two, session=first.session).resumed


@pytest.mark.parametrize("content,words", [
    (b"", "empty"),
    (b"\x01" * 79, "79"),
    (b"\x01" * 81, "81"),
    (None, "ticket.key"),
])
def test_bad_key_file_is_a_clear_error(tmp_path, content, words):
    path = tmp_path / "ticket.key"
    if content is not None:
        path.write_bytes(content)
    settings = ticket_settings(ticket_key_files=[str(path)])
    with pytest.raises(tt.KeyFileError) as info:
        settings.validate()
    assert str(path) in str(info.value) and words in str(info.value)


def test_key_file_reload_and_bad_reload(make_server, tmp_path, caplog):
    clock = FakeClock()
    old_key, new_key = os.urandom(80), os.urandom(80)
    path = write_keys(tmp_path / "ticket.key", old_key)
    log = CallbackLog()
    server = make_server(ticket_settings(log, ticket_key_files=[path],
                                         ticket_clock=clock))
    client = PythonSSLClient("1.2")
    under_old = client.connect(server).session

    # a rotation tool writes "new first, old second"
    write_keys(path, new_key, old_key)
    os.utime(path, (clock.now + 5, clock.now + 5))
    clock.advance(5)
    log.reset()
    result = client.connect(server, session=under_old)
    assert result.resumed and result.tickets == 1  # old key: renewed
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
    under_new = result.session

    # a broken file: the server keeps the keys it had, and says so once
    with caplog.at_level(logging.WARNING, logger="tlslite_tickets"):
        write_keys(path, b"\x01" * 79)
        os.utime(path, (clock.now + 9, clock.now + 9))
        clock.advance(5)
        for session in (under_new, under_old):
            assert client.connect(server, session=session).resumed
            clock.advance(2)
    warnings = [r for r in caplog.records if path in r.getMessage()]
    assert len(warnings) == 1
