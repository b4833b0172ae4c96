#!/usr/bin/env python3
"""Hostile servers nginx cannot play, on loopback only:
  127.0.0.4:18443  accepts TCP and never answers the TLS handshake
  127.0.0.5:18080  answers HTTP with 10,000 response headers, then a compliant page
  127.0.0.6:18080  answers HTTP with a body that never ends (until the client hangs up)
Runs until killed; each connection is handled on its own thread and closed after 60 s."""
import socket
import sys
import threading
import time

PAGE = sys.argv[1].encode() if len(sys.argv) > 1 else b"<html><body>ok</body></html>"


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


threading.Thread(target=serve, args=(("127.0.0.4", 18443), silent), daemon=True).start()
threading.Thread(target=serve, args=(("127.0.0.6", 18080), endless), daemon=True).start()
serve(("127.0.0.5", 18080), many_headers)
