#!/usr/bin/env python3
"""Hostile servers nginx cannot play, on loopback only:
  127.0.0.4:18443  accepts TCP and never answers the TLS handshake
  127.0.0.5:18080  answers HTTP with 10,000 response headers, then a compliant page
  127.0.0.6:18080  answers HTTP with a body that never ends (until the client hangs up)
  127.0.0.7:15354  answers DNS (UDP) for NAME with a CNAME loop: NAME -> loop-b.NAME -> NAME
  127.0.0.12:15354 answers every DNS query (UDP) with SERVFAIL: a broken server among several
  127.0.0.8:18080  flaky: odd-numbered requests get 503, even-numbered ones the page
  127.0.0.10:18080 shared: answers the page after 300 ms
  127.0.0.11:18080 quick: answers the page after 50 ms
  127.0.2.1:18080 and :18443  tattle: a private address no scan may reach (leak.test's scripts
                   ask for it); every connection is appended to TATTLE_LOG when it is accepted
                   ("port<TAB>accepted"), then its request line ("port<TAB>GET /path HTTP/1.1", or
                   "port<TAB>TLS handshake")
  127.0.0.13:18443 http-only sites' https port: reads the TLS ClientHello, appends "ip<TAB>SNI" to
                   HTTPS_LOG and resets the connection (no TLS is served there)
  127.0.0.14:18443 https with a farm certificate for another name (CA_DIR/other.crt, for
                   other-name.test); each connection's "ip<TAB>SNI" is appended to HTTPS_LOG first
For 127.0.0.10 and .11, each connection is appended to LOG as "ip<TAB>opened<TAB>answered<TAB>host"
(monotonic seconds; the request's Host header), so a test can count connections open at once per
address, and per client by the sites it audited.
Runs until killed; each connection is handled on its own thread and closed after 60 s.
Ports are those of FARM_PORT_OFFSET 0; the environment's FARM_PORT_OFFSET moves them all.
Usage: hostile.py PAGE LOG TATTLE_LOG HTTPS_LOG CA_DIR"""
import os
import socket
import ssl
import struct
import sys
import threading
import time

PAGE = sys.argv[1].encode()
LOG = sys.argv[2]
TATTLE_LOG = sys.argv[3]
HTTPS_LOG = sys.argv[4]
CA_DIR = sys.argv[5]
OFFSET = int(os.environ.get("FARM_PORT_OFFSET", "0"))
HTTP, HTTPS, DNS = 18080 + OFFSET, 18443 + OFFSET, 15354 + OFFSET
log_lock = threading.Lock()


def serve(addr, handler):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.listen(512)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


def silent(conn):
    time.sleep(60)
    conn.close()


def many_headers(conn):
    try:
        conn.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
        head += b"".join(b"X-Filler-%d: %d\r\n" % (i, i) for i in range(10000))
        conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(PAGE) + PAGE)
    except OSError:
        pass
    conn.close()


def endless(conn):
    try:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n<html><body>")
        block = b"<p>endless</p>" * 4096
        while True:
            conn.sendall(block)
    except OSError:
        pass
    conn.close()


def dns_server(addr, answer):
    """Answers each UDP query with answer(query, qname, question)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr)
    while True:
        query, peer = s.recvfrom(512)
        end = 12
        while end < len(query) and query[end] != 0:
            end += query[end] + 1
        s.sendto(answer(query, query[12:end + 1], query[12:end + 5]), peer)


def cname_loop(query, qname, question):
    # Two answers: qname CNAME loop-b.qname, loop-b.qname CNAME qname.
    other = b"\x06loop-b" + qname
    def cname(owner, target):
        return owner + b"\x00\x05\x00\x01\x00\x00\x00\x3c" + len(target).to_bytes(2, "big") + target
    header = query[:2] + b"\x84\x00" + b"\x00\x01\x00\x02\x00\x00\x00\x00"
    return header + question + cname(qname, other) + cname(other, qname)


def servfail(query, qname, question):
    # QR, opcode 0, RD, RA, rcode 2 (SERVFAIL); the question echoed, no answers.
    return query[:2] + b"\x81\x82" + b"\x00\x01\x00\x00\x00\x00\x00\x00" + question


flaky_count = [0]
flaky_lock = threading.Lock()


def flaky(conn):
    try:
        conn.recv(65536)
        with flaky_lock:
            flaky_count[0] += 1
            fail = flaky_count[0] % 2 == 1
        if fail:
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(PAGE) + PAGE)
    except OSError:
        pass
    conn.close()


def logged(ip, delay):
    def handler(conn):
        # Recorded after accept and before the answer's last bytes go out: the client cannot
        # have finished with this connection (and opened the next) before `answered`.
        opened = time.monotonic()
        try:
            request = conn.recv(65536)
            host = next((line.split(b":", 1)[1].strip().decode("latin-1") for line in request.split(b"\r\n")[1:]
                         if line.lower().startswith(b"host:")), "-")
            time.sleep(delay)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
            conn.sendall(head + b"Content-Length: %d\r\n" % len(PAGE))
            answered = time.monotonic()
            with log_lock, open(LOG, "a") as f:
                f.write(f"{ip}\t{opened:.6f}\t{answered:.6f}\t{host}\n")
            conn.sendall(b"\r\n" + PAGE)
        except OSError:
            pass
        conn.close()
    return handler


def tattle(port):
    def handler(conn):
        with log_lock, open(TATTLE_LOG, "a") as f:
            f.write(f"{port}\taccepted\n")
        try:
            conn.settimeout(5)
            data = conn.recv(65536)
            line = "TLS handshake" if data[:1] == b"\x16" else data.split(b"\r\n", 1)[0].decode("latin-1")
            with log_lock, open(TATTLE_LOG, "a") as f:
                f.write(f"{port}\t{line}\n")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nAccess-Control-Allow-Origin: *\r\n"
                         b"Content-Length: 7\r\nConnection: close\r\n\r\nreached")
        except OSError:
            pass
        conn.close()
    return handler


def server_name(hello):
    """The SNI of a TLS ClientHello record, "-" without one."""
    try:
        p = 5 + 4 + 2 + 32                                   # record and handshake headers, version, random
        p += 1 + hello[p]                                    # session id
        p += 2 + struct.unpack(">H", hello[p:p + 2])[0]      # cipher suites
        p += 1 + hello[p]                                    # compression methods
        end = p + 2 + struct.unpack(">H", hello[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            kind, size = struct.unpack(">HH", hello[p:p + 4])
            if kind == 0:                                    # server_name: list length, type, name length, name
                return hello[p + 9:p + 9 + struct.unpack(">H", hello[p + 7:p + 9])[0]].decode("ascii", "replace")
            p += 4 + size
    except (IndexError, struct.error):
        pass
    return "-"


def https_attempts(ip, context):
    """Logs each connection's SNI (peeked, so the handshake still sees the ClientHello); then
    resets it (context None: no TLS here) or serves another site's page over TLS."""
    def handler(conn):
        try:
            conn.settimeout(5)
            hello = b""
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                hello = conn.recv(65536, socket.MSG_PEEK)
                if not hello or len(hello) >= 5 and len(hello) >= 5 + struct.unpack(">H", hello[3:5])[0]:
                    break
                time.sleep(0.01)
            with log_lock, open(HTTPS_LOG, "a") as f:
                f.write(f"{ip}\t{server_name(hello)}\n")
            if context is None:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                tls = context.wrap_socket(conn, server_side=True)
                tls.recv(65536)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                            b"Content-Length: %d\r\n\r\n" % len(PAGE) + PAGE)
                tls.close()
        except (OSError, ssl.SSLError):
            pass
        conn.close()
    return handler


other_name = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
other_name.load_cert_chain(os.path.join(CA_DIR, "other.crt"), os.path.join(CA_DIR, "other.key"))
threading.Thread(target=serve, args=(("127.0.0.13", HTTPS), https_attempts("127.0.0.13", None)), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.0.14", HTTPS), https_attempts("127.0.0.14", other_name)), daemon=True).start()
threading.Thread(target=dns_server, args=(("127.0.0.7", DNS), cname_loop), daemon=True).start()
threading.Thread(target=dns_server, args=(("127.0.0.12", DNS), servfail), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.0.10", HTTP), logged("127.0.0.10", 0.3)), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.0.11", HTTP), logged("127.0.0.11", 0.05)), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.0.8", HTTP), flaky), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.2.1", HTTP), tattle(HTTP)), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.2.1", HTTPS), tattle(HTTPS)), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.0.4", HTTPS), silent), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.0.6", HTTP), endless), daemon=True).start()
serve(("127.0.0.5", HTTP), many_headers)
