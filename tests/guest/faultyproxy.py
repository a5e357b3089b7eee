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
"""
import http.server
import sys
import urllib.error
import urllib.request

MODE, PORT, UP, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
CUT = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.forward("GET")

    def do_HEAD(self):
        self.forward("HEAD")

    def forward(self, method):
        req = urllib.request.Request(UP + self.path, method=method)
        for k in ("Accept", "Range", "Authorization"):
            if self.headers.get(k):
                req.add_header(k, self.headers[k])
        with open(LOG, "a") as f:
            f.write("%s %s %s\n" % (method, self.path,
                                    self.headers.get("Range", "-")))
        try:
            resp = urllib.request.urlopen(req)
        except urllib.error.HTTPError as e:
            resp = e
        body = resp.read() if method == "GET" else b""
        spoil = (method == "GET" and "/blobs/sha256:" in self.path and
                 resp.status in (200, 206) and len(body) > 1000)
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            if k.lower() not in ("connection", "transfer-encoding"):
                self.send_header(k, v)
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
