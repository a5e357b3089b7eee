#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A faulty HTTP proxy in front of a registry, for t-registry-push-pull.

    faultyproxy.py MODE PORT UPSTREAM LOG

Listens on 127.0.0.1:PORT and forwards GET and HEAD to UPSTREAM (e.g.
http://127.0.0.1:5000), with the Accept, Range and Authorization headers.
Each request is appended to LOG as "METHOD PATH RANGE" ("-" without one).
A blob GET answered 200 or 206 with more than 1,000 bytes is spoiled:

    cut      the first such GET of each blob sends the full Content-Length
             but only half of the body, then closes the connection
    corrupt  every such GET has one bit of the middle byte flipped
    slow     nothing is spoiled; every request on a blob or an upload
             (".../blobs/...") is held for 0.7 s, and as it starts,
             "inflight N" is appended to LOG, N the number of such
             requests in flight then: several blobs at once show as N > 1

POST, PUT and PATCH are forwarded too (with their body, Content-Type,
Content-Range and the Host header, so that the registry's upload
Locations point back at the proxy).
"""
import http.server
import sys
import threading
import time
import urllib.error
import urllib.request

MODE, PORT, UP, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
CUT = set()
LOCK = threading.Lock()
FLIGHT = {"now": 0}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def log(line):
    with LOCK:
        with open(LOG, "a") as f:
            f.write(line + "\n")


def flight(delta):
    with LOCK:
        FLIGHT["now"] += delta
        if delta > 0:
            with open(LOG, "a") as f:
                f.write("inflight %d\n" % FLIGHT["now"])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.forward("GET")

    def do_HEAD(self):
        self.forward("HEAD")

    def do_POST(self):
        self.forward("POST")

    def do_PUT(self):
        self.forward("PUT")

    def do_PATCH(self):
        self.forward("PATCH")

    def forward(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else None
        if method in ("POST", "PUT", "PATCH") and data is None:
            data = b""
        req = urllib.request.Request(UP + self.path, data=data, method=method)
        for k in ("Accept", "Range", "Authorization", "Content-Type",
                  "Content-Range", "Host"):
            if self.headers.get(k):
                req.add_header(k, self.headers[k])
        log("%s %s %s" % (method, self.path, self.headers.get("Range", "-")))
        slow = MODE == "slow" and "/blobs/" in self.path
        if slow:
            flight(1)
            time.sleep(0.7)
        try:
            resp = OPENER.open(req)
        except urllib.error.HTTPError as e:
            resp = e
        finally:
            if slow:
                flight(-1)
        body = resp.read() if method != "HEAD" else b""
        spoil = (method == "GET" and "/blobs/sha256:" in self.path and
                 resp.status in (200, 206) and len(body) > 1000)
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            if k.lower() not in ("connection", "transfer-encoding",
                                 "content-length"):
                self.send_header(k, v)
        if method == "HEAD":
            if resp.headers.get("Content-Length"):
                self.send_header("Content-Length",
                                 resp.headers["Content-Length"])
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if spoil and MODE == "cut" and self.path not in CUT:
            CUT.add(self.path)
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if spoil and MODE == "corrupt":
            b = bytearray(body)
            b[len(b) // 2] ^= 1
            body = bytes(b)
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
