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
    break    every such GET sends the full Content-Length but stops at the
             middle of the blob (byte SIZE/2, counted from the start of
             the blob: a range from there or later gets nothing), then
             closes the connection: the transfer breaks for good; "sent
             PATH N" is appended to LOG, N the body bytes sent
    pass     nothing is spoiled; "sent PATH N" as in break mode
    corrupt  every such GET has one bit of the middle byte flipped
    slow     nothing is spoiled; every request on a blob or an upload
             (".../blobs/...") is held for 0.7 s, and as it starts,
             "inflight N" is appended to LOG, N the number of such
             requests in flight then: several blobs at once show as N > 1

    token    nothing is spoiled, but every /v2/ request needs a Bearer
             token (the distribution token flow): without one, or with one
             lacking the scope the request needs (pull for GET and HEAD,
             push for the rest, and pull of the source repository of a
             mount, ?from=REPO), the answer is 401 with a challenge naming
             the realm http://127.0.0.1:PORT/token, the service "faulty"
             and the scopes needed, space-separated.  GET /token answers
             {"token": ...} for Basic credentials tokuser:tokpass, granting
             the scope parameters asked for; each token request is
             appended to LOG as "token SCOPE..." ("token -" without one),
             each refusal as "401 METHOD PATH".

    offsite  credentials must go to the registry only: every request
             needs Basic credentials tokuser:tokpass (else 401, Basic
             challenge; "401 METHOD PATH" logged); a GET or HEAD of a
             manifest is redirected (307, "307 PATH" logged) to another
             host, 127.0.0.1:PORT+1 (served by this process), and the
             Location of an upload the registry starts is made to point
             there too.  That host logs each request as "offsite METHOD
             PATH AUTH" (AUTH: its Authorization header, "-" without one)
             and answers 401 with a Bearer challenge naming its own realm,
             http://127.0.0.1:PORT+1/token, which logs "offsite token
             AUTH" and hands out a token to anyone.

POST, PUT and PATCH are forwarded too (with their body, Content-Type,
Content-Range and the Host header, so that the registry's upload
Locations point back at the proxy).
"""
import base64
import http.server
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
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


def scopes_needed(method, path):
    """[(repo, action)] that a request on @path needs."""
    u = urllib.parse.urlsplit(path)
    m = re.match(r"^/v2/(.+?)/(blobs|manifests|tags)/", u.path)
    if not m:
        return []
    need = [(m.group(1), "pull" if method in ("GET", "HEAD") else "push")]
    src = urllib.parse.parse_qs(u.query).get("from")
    if src:
        need.append((src[0], "pull"))
    return need


def scopes_granted(auth):
    """{(repo, action)} that an Authorization header's token grants, or
    None without a token of ours."""
    if not auth.startswith("Bearer tok-"):
        return None
    try:
        scopes = json.loads(base64.b64decode(auth[len("Bearer tok-"):]))
    except ValueError:
        return None
    granted = set()
    for sc in scopes:
        parts = sc.split(":")
        if len(parts) == 3 and parts[0] == "repository":
            granted.update((parts[1], a) for a in parts[2].split(","))
    return granted


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        if MODE == "token" and self.path.startswith("/token"):
            self.token()
        else:
            self.forward("GET")

    def offsite_gate(self, method):
        """offsite mode: False after answering a request without the
        Basic credentials, or a manifest's GET or HEAD (redirected)."""
        want = "Basic " + base64.b64encode(b"tokuser:tokpass").decode()
        if self.headers.get("Authorization") != want:
            log("401 %s %s" % (method, self.path))
            if method != "HEAD":
                self.body()
            self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                       [("WWW-Authenticate", 'Basic realm="faulty"')])
            return False
        if method in ("GET", "HEAD") and "/manifests/" in self.path:
            log("307 %s" % self.path)
            self.reply(307, b"", [("Location", "http://127.0.0.1:%d%s"
                                   % (PORT + 1, self.path))])
            return False
        return True

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def token(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        want = "Basic " + base64.b64encode(b"tokuser:tokpass").decode()
        if self.headers.get("Authorization") != want:
            log("token refused")
            self.reply(401, b'{"details":"wrong credentials"}')
            return
        scopes = q.get("scope", [])
        log("token " + (" ".join(scopes) or "-"))
        tok = base64.b64encode(json.dumps(scopes).encode()).decode()
        self.reply(200, json.dumps({"token": "tok-" + tok}).encode())

    def authorized(self, method):
        """Whether the request carries a token granting what it needs;
        if not, answers 401 with the challenge."""
        granted = scopes_granted(self.headers.get("Authorization", ""))
        need = scopes_needed(method, self.path)
        if granted is not None and all(n in granted for n in need):
            return True
        log("401 %s %s" % (method, self.path))
        by_repo = {}
        for repo, action in need:
            by_repo.setdefault(repo, ["pull"])
            if action not in by_repo[repo]:
                by_repo[repo].append(action)
        ch = 'Bearer realm="http://127.0.0.1:%d/token",service="faulty"' % PORT
        if by_repo:
            ch += ',scope="%s"' % " ".join(
                "repository:%s:%s" % (r, ",".join(a))
                for r, a in by_repo.items())
        if granted is not None:
            ch += ',error="insufficient_scope"'
        if method != "HEAD":
            self.body()
        self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                   [("WWW-Authenticate", ch)])
        return False

    def body(self):
        """The request's body: Content-Length bytes, or chunked (as
        docker and layerctl push stream a layer), or None."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                n = int(self.rfile.readline().split(b";")[0].strip(), 16)
                data += self.rfile.read(n)
                self.rfile.readline()      # the CRLF after the chunk
                if not n:
                    return data
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else None

    def do_HEAD(self):
        self.forward("HEAD")

    def do_POST(self):
        self.forward("POST")

    def do_PUT(self):
        self.forward("PUT")

    def do_PATCH(self):
        self.forward("PATCH")

    def forward(self, method):
        if MODE == "token" and not self.authorized(method):
            return
        if MODE == "offsite" and not self.offsite_gate(method):
            return
        data = self.body()
        if method in ("POST", "PUT", "PATCH") and data is None:
            data = b""
        req = urllib.request.Request(UP + self.path, data=data, method=method)
        fwd = ("Accept", "Range", "Content-Type", "Content-Range", "Host")
        if MODE != "token":
            fwd += ("Authorization",)
        for k in fwd:
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
            if MODE == "offsite" and k.lower() == "location":
                v = v.replace("127.0.0.1:%d" % PORT,
                              "127.0.0.1:%d" % (PORT + 1))
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
        if spoil and MODE == "break":
            start, total = 0, len(body)
            m = re.match(r"bytes (\d+)-\d+/(\d+)$",
                         resp.headers.get("Content-Range") or "")
            if resp.status == 206 and m:
                start, total = int(m.group(1)), int(m.group(2))
            n = max(0, min(len(body), total // 2 - start))
            self.wfile.write(body[:n])
            self.wfile.flush()
            log("sent %s %d" % (self.path, n))
            self.close_connection = True
            return
        if spoil and MODE == "pass":
            log("sent %s %d" % (self.path, len(body)))
        if spoil and MODE == "corrupt":
            b = bytearray(body)
            b[len(b) // 2] ^= 1
            body = bytes(b)
        self.wfile.write(body)


class Offsite(Handler):
    """offsite mode's other host, PORT+1: wants credentials of its own."""

    def answer(self, method):
        auth = self.headers.get("Authorization") or "-"
        if self.path.startswith("/token"):
            log("offsite token %s" % auth)
            self.reply(200, b'{"token": "offsite"}')
            return
        log("offsite %s %s %s" % (method, self.path, auth))
        if method != "HEAD":
            self.body()
        ch = 'Bearer realm="http://127.0.0.1:%d/token",service="offsite"' % (
            PORT + 1)
        self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                   [("WWW-Authenticate", ch)])

    def do_GET(self):
        self.answer("GET")

    def do_HEAD(self):
        self.answer("HEAD")

    def do_POST(self):
        self.answer("POST")

    def do_PUT(self):
        self.answer("PUT")

    def do_PATCH(self):
        self.answer("PATCH")


if MODE == "offsite":
    threading.Thread(target=http.server.ThreadingHTTPServer(
        ("127.0.0.1", PORT + 1), Offsite).serve_forever, daemon=True).start()
http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
