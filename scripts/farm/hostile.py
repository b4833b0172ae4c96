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
For 127.0.0.10 and .11, each connection is appended to LOG as "ip<TAB>opened<TAB>answered<TAB>host"
(monotonic seconds; the request's Host header), so a test can count connections open at once per
address, and per client by the sites it audited.
Runs until killed; each connection is handled on its own thread and closed after 60 s.
Ports are those of FARM_PORT_OFFSET 0; the environment's FARM_PORT_OFFSET moves them all.
Usage: hostile.py PAGE LOG TATTLE_LOG"""
import os
import socket
import sys
import threading
import time

PAGE = sys.argv[1].encode()
LOG = sys.argv[2]
TATTLE_LOG = sys.argv[3]
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
