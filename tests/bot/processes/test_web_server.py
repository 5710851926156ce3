"""The production server's settings (bot.processes.web.listen): a click storm
keeps hundreds of connections alive at once, and each must be served."""

from __future__ import annotations

import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.processes import web


def _app(environ, start_response):
    time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def test_more_than_a_hundred_kept_alive_connections_are_all_served():
    # Waitress's default connection_limit is 100: the 101st kept-alive
    # connection waited in the kernel's queue until another one closed.
    server = web.listen(_app, 0, host="127.0.0.1", threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    port = server.effective_port
    n = 150
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(n)]
    try:
        for c in conns:
            c.connect()
        barrier = threading.Barrier(n)

        def one(c: http.client.HTTPConnection) -> float:
            barrier.wait(10)  # every connection open and idle, then all at once
            t0 = time.perf_counter()
            c.request("GET", "/")
            r = c.getresponse()
            assert r.status == 200 and r.read() == b"ok"
            return time.perf_counter() - t0

        with ThreadPoolExecutor(n) as ex:
            waits = list(ex.map(one, conns))
        assert len(waits) == n and max(waits) < 8
    finally:
        for c in conns:
            c.close()
        server.close()


def test_the_queue_depth_warning_is_not_logged_per_request():
    import logging

    web.server_options()
    assert not logging.getLogger("waitress.queue").isEnabledFor(logging.WARNING)
