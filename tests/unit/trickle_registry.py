#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A registry on 127.0.0.1 that answers every GET with 200 and a JSON body
of SIZE bytes sent at RATE bytes a second (headers at once), for
tests/unit/http-lowspeed.sh: a registry trickling bytes.  It binds a free
port, writes it to PORTFILE, and stops by itself after LIFE seconds.

    trickle_registry.py PORTFILE RATE SIZE [LIFE]
"""
import http.server
import os
import socketserver
import sys
import threading
import time

port_file, rate, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
life = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b"{" + b" " * (size - 2) + b"}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.end_headers()
        self.wfile.flush()
        # RATE bytes a second, in 8 pieces a second
        step = max(1, rate // 8)
        try:
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(step / rate)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
threading.Timer(life, srv.shutdown).start()
srv.serve_forever()
