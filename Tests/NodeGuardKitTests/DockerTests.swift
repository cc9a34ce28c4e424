import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit

/// Replies recorded from a real dockerd (Debian 12's docker.io 20.10, API 1.41).
func recorded(_ name: String) -> [UInt8] {
    Array(FileIO.readBytes(fixture("docker-replies/" + name)) ?? [])
}

final class HTTPParserTests: XCTestCase {
    func testContentLengthReply() throws {
        let r = try XCTUnwrap(try HTTP1.parse(recorded("version.http"), eof: false))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("api-version"), "1.41")
        XCTAssertEqual(try JSON.parse(r.text)["ApiVersion"]?.string, "1.41")
    }

    func testChunkedReplies() throws {
        let inspect = try XCTUnwrap(try HTTP1.parse(recorded("inspect-ticker.http"), eof: false))
        XCTAssertEqual(inspect.header("Transfer-Encoding"), "chunked")
        let info = try XCTUnwrap(ContainerInfo(json: try JSON.parse(inspect.text)))
        XCTAssertEqual(info.name, "ticker")
        XCTAssertTrue(info.running)
        XCTAssertGreaterThan(info.pid, 0)
        XCTAssertEqual(info.id.count, 64)
        XCTAssertTrue(info.logPath.hasSuffix("/\(info.id)-json.log"), info.logPath)
        XCTAssertEqual(info.memoryLimit, 0)
        XCTAssertEqual(info.restartPolicy, "no")
        XCTAssertEqual(info.health, "")

        let logs = try XCTUnwrap(try HTTP1.parse(recorded("logs-chunked.http"), eof: false))
        XCTAssertEqual(logs.body.count, 3 * (8 + 7), "three framed log lines")
    }

    func testErrorAndEmptyReplies() throws {
        let missing = try XCTUnwrap(try HTTP1.parse(recorded("inspect-missing.http"), eof: false))
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(DockerEngine.message(missing), "No such container: nope")
        let restart = try XCTUnwrap(try HTTP1.parse(recorded("restart-ticker.http"), eof: false))
        XCTAssertEqual(restart.status, 204)
        XCTAssertEqual(restart.body, [])
    }

    /// Every prefix of a reply: more is needed, or, if the peer closed there, it was cut short.
    func testRepliesCutShortAnywhere() throws {
        for name in ["version.http", "inspect-ticker.http"] {
            let full = recorded(name)
            for cut in 0..<full.count {
                let part = Array(full[0..<cut])
                XCTAssertNil(try HTTP1.parse(part, eof: false), "\(name) cut at \(cut)")
                XCTAssertThrowsError(try HTTP1.parse(part, eof: true), "\(name) cut at \(cut)") { e in
                    XCTAssertEqual((e as? HTTPError)?.kind, .cutShort, "\(name) cut at \(cut)")
                }
            }
        }
    }

    func testMalformedReplies() {
        let cases: [(String, String)] = [
            ("SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY", "does not end with CRLF"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header"),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try HTTP1.parse(Array(text.utf8), eof: false), text) { e in
                XCTAssertTrue((e as? HTTPError)?.message.contains(fragment) == true, "\(text): \(e)")
            }
        }
        // No framing at all: the body is what came before the close.
        XCTAssertEqual(try HTTP1.parse(Array("HTTP/1.0 200 OK\r\n\r\nhello".utf8), eof: true)?.text, "hello")
        // Header names in any case, values without the blanks around them; a status line alone.
        let r = try? HTTP1.parse(Array("HTTP/1.1 200 OK\r\ncontent-LENGTH: \t5 \r\nX-A:b\r\n\r\nhello".utf8), eof: false)
        XCTAssertEqual(r?.text, "hello")
        XCTAssertEqual(r?.header("x-a"), "b")
        XCTAssertEqual(try? HTTP1.parse(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8), eof: false)?.status, 204)
        XCTAssertEqual(try? HTTP1.parse(Array("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n".utf8), eof: false)?.status, 200, "no reason phrase")
        for bad in ["HTTP/1.1 99 Low\r\n\r\n", "HTTP/1.1 2000 Long\r\n\r\n", "HTTP/2 200 OK\r\n\r\n"] {
            XCTAssertThrowsError(try HTTP1.parse(Array(bad.utf8), eof: false), bad)
        }
    }

    func testRequestFormat() {
        XCTAssertEqual(String(decoding: HTTP1.request(method: "POST", path: "/v1.41/containers/x/restart?t=5"), as: UTF8.self),
                       "POST /v1.41/containers/x/restart?t=5 HTTP/1.1\r\nHost: docker\r\nUser-Agent: nodeguard/\(NodeGuardVersion.string)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    }

    /// Where a container's cgroup is not visible (nodeguard inside nspawn or
    /// a container), its memory comes from the stats endpoint.
    func testMemoryFromStats() throws {
        let r = try XCTUnwrap(try HTTP1.parse(recorded("stats-ticker.http"), eof: false))
        XCTAssertEqual(DockerEngine.anonymousMemory(stats: try JSON.parse(r.text)), 118784, "cgroup v1: total_rss")
        XCTAssertEqual(DockerEngine.anonymousMemory(stats: try JSON.parse("{\"memory_stats\":{\"stats\":{\"anon\":4096,\"file\":99}}}")), 4096, "cgroup v2: anon, not file")
        XCTAssertNil(DockerEngine.anonymousMemory(stats: try JSON.parse("{\"memory_stats\":{}}")))
    }

    func testVersionNegotiation() {
        XCTAssertEqual(DockerEngine.negotiate(serverAPI: "1.41"), .success("1.41"))
        XCTAssertEqual(DockerEngine.negotiate(serverAPI: "1.47"), .success("1.43"))
        XCTAssertEqual(DockerEngine.negotiate(serverAPI: "1.40"),
                       .failure(DockerError(kind: .tooOld, message: "Docker's API 1.40 is older than 1.41 (Debian 12's docker.io); upgrade Docker")))
    }

    func testProcCgroupOfAContainer() {
        let v1 = "9:name=systemd:/docker/abc\n4:memory:/docker/abc\n3:cpuset:/\n0::/docker/abc\n"
        XCTAssertEqual(NodeMemoryProbe.parseProcCgroup(v1, version: .v1).memory, "/docker/abc")
        XCTAssertEqual(NodeMemoryProbe.parseProcCgroup(v1, version: .v1).systemd, "/docker/abc")
        let v2 = "0::/system.slice/docker-abc.scope\n"
        XCTAssertEqual(NodeMemoryProbe.parseProcCgroup(v2, version: .v2).memory, "/system.slice/docker-abc.scope")
    }
}

/// The client against sockets that misbehave: missing, silent, closing early.
final class UnixHTTPClientTests: XCTestCase {
    func serve(_ reply: @escaping @Sendable (Int32) -> Void) -> String {
        let path = tempDir() + "/d.sock"
        let fd = boundUnixSocket(path, SOCK_STREAM)
        listen(fd, 4)
        Thread.detachNewThread {
            let c = accept(fd, nil, nil)
            var buf = [UInt8](repeating: 0, count: 4096)
            _ = recv(c, &buf, buf.count, 0)
            reply(c)
            close(c)
            close(fd)
        }
        return path
    }

    func testMissingSocketNamesThePath() {
        let r = UnixHTTPClient(socketPath: "/nonexistent/docker.sock").send("GET", "/version")
        XCTAssertEqual(r, .failure(HTTPError(kind: .connect, message: "cannot connect to /nonexistent/docker.sock: No such file or directory")))
    }

    func testSilentServerTimesOutAndTheWatchdogIsFed() {
        let path = serve { _ in usleep(1_500_000) }
        var fed = 0
        let t0 = Now.read().monotonic
        let r = UnixHTTPClient(socketPath: path, readTimeout: 0.4).send("GET", "/version", whileWaiting: { fed += 1 })
        XCTAssertEqual(r, .failure(HTTPError(kind: .timeout, message: "no reply from \(path) within 400ms")))
        XCTAssertLessThan(Now.read().monotonic - t0, 1.0)
        XCTAssertGreaterThan(fed, 1)
    }

    func testReplyCutShortByTheServer() {
        let path = serve { c in
            let partial = Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Api".utf8)
            _ = partial.withUnsafeBytes { send(c, $0.baseAddress, $0.count, 0) }
        }
        let r = UnixHTTPClient(socketPath: path).send("GET", "/version")
        XCTAssertEqual(r, .failure(HTTPError(kind: .cutShort, message: "the reply was cut short: 5 of 100 bytes")))
    }

    func testRecordedReplyOverASocket() throws {
        let reply = recorded("inspect-ticker.http")
        let path = serve { c in
            // In small pieces, as a busy dockerd may send it.
            var off = 0
            while off < reply.count {
                let n = min(333, reply.count - off)
                _ = reply.withUnsafeBytes { send(c, $0.baseAddress! + off, n, 0) }
                off += n
                usleep(1000)
            }
        }
        let r = try UnixHTTPClient(socketPath: path).send("GET", "/v1.41/containers/ticker/json").get()
        XCTAssertEqual(ContainerInfo(json: try JSON.parse(r.text))?.name, "ticker")
    }
}
