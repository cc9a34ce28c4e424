import XCTest
@testable import NodeGuardKit

/// Each dialect's reader on replies recorded from the real nodes (bitcoind
/// family, monero) or written in the API's documented shape (ethereum, nodeos).
final class ChainRepliesTests: XCTestCase {
    func reply(_ name: String) throws -> HTTPResponse { try recordedReply("rpc-replies/\(name).http") }

    func testEachRecordedReplyReadsAsTheNodeSaidIt() throws {
        let nodeosNow = try XCTUnwrap(CivilTime.parseUTC("2026-11-23T02:20:10"))
        let table: [(file: String, dialect: RPCDialect, expect: ChainReply)] = [
            ("litecoind-getblockchaininfo", .bitcoind, .sample(ChainSample(height: 101, known: 101, syncing: false, peers: 1))),
            ("litecoind-getblockcount", .bitcoind, .sample(ChainSample(height: 101, peers: 1))),
            ("litecoind-initial-download", .bitcoind, .sample(ChainSample(height: 0, known: 0, syncing: true, peers: 0))),
            ("litecoind-method-not-found", .bitcoind, .useFallback),
            ("litecoind-warmup", .bitcoind, .sample(ChainSample(peers: 0, warmingUp: "Loading block index..."))),
            ("litecoind-wrong-password", .bitcoind, .failure(.credentials("the RPC refused the credentials (HTTP 401)"))),
            ("monerod-get-info", .monero, .sample(ChainSample(height: 6, syncing: false, peers: 0))),
            ("monerod-method-not-found", .monero, .failure(.failing("Method not found (code -32601)"))),
            ("geth-synced", .ethereum, .sample(ChainSample(height: 0x12a05f, peers: 25))),
            ("geth-syncing", .ethereum, .sample(ChainSample(height: 1000, known: 0x12a05f, syncing: true, peers: 5))),
            ("geth-error", .ethereum, .failure(.failing("header not found (code -32000)"))),
            ("nodeos-get-info", .nodeos, .sample(ChainSample(height: 312_345_678))),
            ("nodeos-error", .nodeos, .failure(.failing("HTTP 500: Invalid block ID"))),
            ("http-503", .http, .failure(.failing("HTTP 503"))),
        ]
        for t in table {
            XCTAssertEqual(ChainReplies.parse(t.dialect, try reply(t.file), now: nodeosNow), t.expect, t.file)
        }
    }

    func testNodeosFarBehindItsClockIsCatchingUp() throws {
        let r = try reply("nodeos-get-info")
        let head = try XCTUnwrap(CivilTime.parseUTC("2026-11-23T02:20:00.500"))
        XCTAssertEqual(ChainReplies.parse(.nodeos, r, now: head + 30), .sample(ChainSample(height: 312_345_678, syncing: false)))
        XCTAssertEqual(ChainReplies.parse(.nodeos, r, now: head + 3600), .sample(ChainSample(height: 312_345_678, syncing: true)))
    }

    func testHTTPHeightComesFromItsJSONPointer() throws {
        let r = try reply("http-height")
        XCTAssertEqual(ChainReplies.parse(.http, r, heightPointer: "/sync_info/latest_block_height"), .sample(ChainSample(height: 4711)))
        XCTAssertEqual(ChainReplies.parse(.http, r), .sample(ChainSample()), "no pointer: alive is all it says")
        XCTAssertEqual(ChainReplies.parse(.http, r, heightPointer: "/sync_info/catching_up"),
                       .failure(.failing("/sync_info/catching_up is not a height: false")))
        XCTAssertEqual(ChainReplies.parse(.http, r, heightPointer: "/nope"), .failure(.failing("the reply has nothing at /nope")))
    }

    func testCivilTimeAndBase64() {
        XCTAssertEqual(CivilTime.parseUTC("1970-01-01T00:00:00"), 0)
        XCTAssertEqual(CivilTime.parseUTC("2000-03-01T12:30:15.250"), 951_913_815.25)
        XCTAssertNil(CivilTime.parseUTC("2000-13-01T00:00:00"))
        XCTAssertNil(CivilTime.parseUTC("yesterday"))
        XCTAssertEqual(Base64.encode(Array("__cookie__:ab".utf8)), "X19jb29raWVfXzphYg==")
        XCTAssertEqual(Base64.encode(Array("ng:secret".utf8)), "bmc6c2VjcmV0")
        XCTAssertEqual(Base64.encode(Array("a".utf8)), "YQ==")
    }

    func testRPCAddressesAreIPLiteralsOverPlainHTTP() throws {
        XCTAssertEqual(try TCPAddress.parse(url: "http://127.0.0.1:8332/"), TCPAddress(host: "127.0.0.1", port: 8332, path: "/"))
        XCTAssertEqual(try TCPAddress.parse(url: "http://localhost:18081/json_rpc"), TCPAddress(host: "127.0.0.1", port: 18081, path: "/json_rpc"))
        XCTAssertEqual(try TCPAddress.parse(url: "http://[::1]:8545"), TCPAddress(host: "::1", port: 8545, path: "/"))
        for bad in ["https://127.0.0.1:8332/", "http://node.example:8332/", "http://127.0.0.1/", "http://u:p@127.0.0.1:1/", "127.0.0.1:8332"] {
            XCTAssertThrowsError(try TCPAddress.parse(url: bad), bad)
        }
    }
}
