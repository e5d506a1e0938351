"""A stock tlslite-ng TLSConnection handed ticket settings is a ticket server.

The tests below are the ones other modules run on TicketTLSConnection,
collected here a second time with a ``make_server`` whose connections are
plain ``tlslite.api.TLSConnection`` objects: OpenSSL's 14-case callback
matrix, appdata, key rings and rotation, key files, the single-use store,
the alerts of the dec_cb table and the trace.
"""

import pytest
from tlslite.api import TLSConnection

import tlslite_tickets as tt
import test_appdata
import test_key_cb
import test_key_handshakes
import test_matrix
import test_resumption_checks
import test_single_use
import test_tables
import test_trace
from support import CallbackLog, PythonSSLClient, ticket_settings


@pytest.fixture
def make_server(make_server):
    """conftest's ``make_server``, with stock TLSConnection connections."""
    servers = []

    def start(settings, **kwargs):
        assert "connection_class" not in kwargs
        server = make_server(settings, connection_class=TLSConnection,
                             **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        assert server.connection_class is TLSConnection
        # each connection really was a stock one, not a subclass
        assert all(r.tickets_sent is None for r in server.records)


# OpenSSL's test_ticket_callbacks, cases 0-13
test_ticket_callback_matrix = test_matrix.test_ticket_callback_matrix
test_key_callback_matrix = test_key_cb.test_key_callback_matrix
test_key_cb_failure_when_decrypting_is_fatal = \
    test_key_cb.test_key_cb_failure_when_decrypting_is_fatal

# appdata
test_appdata_round_trip = test_appdata.test_appdata_round_trip
test_renewal_keeps_appdata = test_appdata.test_renewal_keeps_appdata

# key rings, rotation, key files
test_rotation_renews_then_expires_old_tickets = \
    test_key_handshakes.test_rotation_renews_then_expires_old_tickets
test_servers_with_the_same_seed_resume_each_other = \
    test_key_handshakes.test_servers_with_the_same_seed_resume_each_other
test_key_file_reload_and_bad_reload = \
    test_key_handshakes.test_key_file_reload_and_bad_reload

# single-use store
test_replayed_ticket_resumes_once = \
    test_single_use.test_replayed_ticket_resumes_once
test_store_failure_fails_closed = test_single_use.test_store_failure_fails_closed

# the dec_cb table's alerts and the checks after dec_cb
test_abort_is_fatal_internal_error = \
    test_tables.test_abort_is_fatal_internal_error
test_dec_cb_exception_is_the_cause = \
    test_tables.test_dec_cb_exception_is_the_cause
test_gen_cb_failure_is_internal_error = \
    test_tables.test_gen_cb_failure_is_internal_error
test_ticket_count_zero = test_tables.test_ticket_count_zero
test_tlslite_client_sees_tls13_resumption = \
    test_tables.test_tlslite_client_sees_tls13_resumption
test_expired_ticket_gives_full_handshake = \
    test_resumption_checks.test_expired_ticket_gives_full_handshake

# trace
test_resumption_ladder_in_order = test_trace.test_resumption_ladder_in_order


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_new_session_ticket_returns_0_on_a_stock_connection(make_server,
                                                            version):
    # documented: a stock TLSConnection has no write path that would send
    # a queued ticket, so SSL_new_session_ticket declines
    log = CallbackLog()
    server = make_server(ticket_settings(log))
    answers = []
    server.after_handshake = lambda conn: answers.append(
        tt.SSL_new_session_ticket(conn))
    result = PythonSSLClient(version).connect(server)
    assert answers == [0]
    assert result.tickets == (2 if version == "1.3" else 1)
    assert log.gen == result.tickets
    assert result.reply == b"echo:ping"

