"""The bench's stand-in for the notification services and the heartbeat
service: plain HTTP on loopback, 200 to every request, one line a request in
the file given (what arrived, for the bench to count). Prints its port."""
import http.server, sys, threading

log = open(sys.argv[1], "a", buffering=1)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass

    def answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        log.write(f"{self.command} {self.path}\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    do_GET = do_POST = do_HEAD = answer


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
