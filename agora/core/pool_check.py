"""The check a pooled PostgreSQL connection passes before a request gets it, without a round
trip when nothing says the connection went away.

psycopg_pool's own check (`ConnectionPool.check_connection`, what Django passes with
CONN_HEALTH_CHECKS) sends an empty statement on every checkout: a round trip to the server
before each request's first query. PostgreSQL sends nothing on an idle connection of ours (no
query in flight, no LISTEN) except when it is going away: a restart, a failover or
`pg_terminate_backend` sends a FATAL message and closes the socket, and a crashed server's
socket reads as closed. So a socket with nothing to read is handed out as it is, and one with
something to read gets the full check, which fails on a dead connection (the pool then
replaces it) and reads whatever else was waiting on a live one.

A server that vanished without closing anything (a network cut) is not caught here; neither
is it by the full check, which would wait for TCP to give up.
"""

import select
from typing import Any

from psycopg import OperationalError, pq
from psycopg_pool import ConnectionPool


def check_pooled_connection(conn: Any) -> None:
    """Raises when `conn` should not be handed out (psycopg_pool's `check` callback)."""
    if conn.closed or conn.broken:
        raise OperationalError("the connection is closed")
    if conn.info.transaction_status != pq.TransactionStatus.IDLE or _readable(conn.fileno()):
        ConnectionPool.check_connection(conn)


def _readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
