#!/usr/bin/env python3
"""Sends requests straight to a FastCGI responder's unix socket, one
connection each (as nginx does for the prefork pool), with the parameters
nginx passes, and fails unless every answer is 2xx. For api_cost.sh, which
counts the instructions a worker runs per request with no nginx in between.

  fcgi_drive.py SOCKET COUNT METHOD URI [TOKEN [BODY [IDS]]]

URI may hold {id}: each request takes the next of IDS (comma-separated).
A BODY holding {n} gets the request's number modulo 32 there (progress
posts spread over 32 records)."""
import socket
import struct
import sys


def record(kind, content, req_id=1):
    out = b""
    for i in range(0, max(len(content), 1), 65535):
        chunk = content[i:i + 65535]
        pad = (8 - len(chunk) % 8) % 8
        out += struct.pack(">BBHHBB", 1, kind, req_id, len(chunk), pad, 0) + chunk + b"\0" * pad
    return out


def pair_len(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def params(d):
    body = b""
    for k, v in d.items():
        k, v = k.encode(), v.encode()
        body += pair_len(len(k)) + pair_len(len(v)) + k + v
    return record(4, body) + record(4, b"")


def one(path, method, uri, token, body):
    path_only, _, query = uri.partition("?")
    p = {
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "DOCUMENT_URI": path_only,
        "SCRIPT_NAME": path_only, "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_SCHEME": "https", "HTTPS": "on", "HTTP_HOST": "localhost",
        "SERVER_NAME": "localhost", "SERVER_PORT": "443", "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_ID": "cost", "CONTENT_LENGTH": str(len(body)) if body else "",
        "CONTENT_TYPE": "application/json" if body else "",
    }
    if token:
        p["HTTP_AUTHORIZATION"] = "Bearer " + token
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(struct.pack(">BBHHBB", 1, 1, 1, 8, 0, 0) + struct.pack(">HB5x", 1, 0)
              + params(p) + (record(5, body) if body else b"") + record(5, b""))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out, i = b"", 0
    while i + 8 <= len(data):
        _, kind, _, n, pad, _ = struct.unpack(">BBHHBB", data[i:i + 8])
        if kind == 6:
            out += data[i + 8:i + 8 + n]
        i += 8 + n + pad
    head = out.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    status = 200
    for line in head.split("\r\n"):
        if line.lower().startswith("status:"):
            status = int(line.split()[1])
    return status, out


def main():
    path, count, method, uri = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    token = sys.argv[5] if len(sys.argv) > 5 else ""
    body = sys.argv[6] if len(sys.argv) > 6 else ""
    ids = sys.argv[7].split(",") if len(sys.argv) > 7 and sys.argv[7] else [""]
    for n in range(count):
        u = uri.replace("{id}", ids[n % len(ids)])
        b = body.replace("{n}", str(n % 32)).encode()
        status, out = one(path, method, u, token, b)
        if not 200 <= status < 300:
            sys.exit("fcgi_drive: %s %s answered %d: %s" % (method, u, status, out[:300]))


if __name__ == "__main__":
    main()
