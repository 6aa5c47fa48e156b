#!/usr/bin/env python3
"""The servers people write instead: Python's socketserver, the design
sockserv comes from, with its defaults (request_queue_size 5).

    py-echo.py fork|thread PORT
"""
import socketserver
import sys


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    cls = {"fork": socketserver.ForkingTCPServer,
           "thread": socketserver.ThreadingTCPServer}[kind]
    cls.allow_reuse_address = True
    with cls(("127.0.0.1", port), Echo) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
