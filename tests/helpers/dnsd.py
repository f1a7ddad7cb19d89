#!/usr/bin/env python3
"""dnsd.py - a DNS responder for the network tests: answers A queries for
the names given (NAME=ADDR ...) over UDP on ADDR:53, NXDOMAIN for others.
Usage: dnsd.py LISTEN_ADDR NAME=ADDR...  (runs until killed)"""
import socket
import struct
import sys


def answer(query, names):
    ident, flags, qd = struct.unpack("!HHH", query[:6])
    pos, labels = 12, []
    while query[pos]:
        n = query[pos]
        labels.append(query[pos + 1:pos + 1 + n].decode("ascii", "replace").lower())
        pos += n + 1
    qtype, qclass = struct.unpack("!HH", query[pos + 1:pos + 5])
    question = query[12:pos + 5]
    name = ".".join(labels)
    addr = names.get(name)
    if addr is None:
        return struct.pack("!HHHHHH", ident, 0x8183, 1, 0, 0, 0) + question
    if qtype != 1:  # only A records: no data for AAAA and the rest
        return struct.pack("!HHHHHH", ident, 0x8180, 1, 0, 0, 0) + question
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + question + rr


def main():
    listen = sys.argv[1]
    names = dict(a.lower().split("=", 1) for a in sys.argv[2:])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((listen, 53))
    while True:
        q, peer = s.recvfrom(512)
        try:
            s.sendto(answer(q, names), peer)
        except (IndexError, struct.error):
            pass


if __name__ == "__main__":
    main()
