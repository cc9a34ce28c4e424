// etcd's JSON gateway as Debian's etcd 3.4.23 answers it (replies recorded by
// system-tests/lease/record-etcd-replies.sh): a lease granted, the key taken
// or held by another, renewed or gone, and etcd's refusals.
import XCTest
@testable import NodeGuardKit

final class EtcdGatewayTests: XCTestCase {
    func reply(_ name: String) throws -> HTTPResponse { try recordedReply("etcd-replies/\(name).http") }

    func testALeaseTakenRenewedAndGone() throws {
        let lease = try EtcdGateway.granted(try reply("lease-grant")).get()
        XCTAssertEqual(lease.ttl, 10)
        XCTAssertGreaterThan(lease.lease, 0)
        XCTAssertEqual(try EtcdGateway.taken(try reply("txn-taken")).get(), .ours(token: 2))
        XCTAssertEqual(try EtcdGateway.taken(try reply("txn-held-by-another")).get(), .heldBy(EtcdGateway.Holder(name: "host-a", lease: lease.lease, token: 2)))
        XCTAssertEqual(try EtcdGateway.holder(try reply("range-held")).get(), EtcdGateway.Holder(name: "host-a", lease: lease.lease, token: 2))
        XCTAssertEqual(try EtcdGateway.renewed(try reply("lease-keepalive")).get(), 10, "a chunked reply, read whole")
        XCTAssertEqual(try EtcdGateway.renewed(try reply("lease-keepalive-gone")).get(), nil, "revoked or expired: no TTL")
        XCTAssertNoThrow(try EtcdGateway.revoked(try reply("lease-revoke")).get())
        XCTAssertEqual(try EtcdGateway.holder(try reply("range-empty")).get(), nil)
        XCTAssertEqual(EtcdGateway.version(try reply("version")), "3.4.23")
    }

    func testRefusalsSayWhetherTheCredentialsAreAtFault() throws {
        let rows: [(file: String, message: String, credentials: Bool)] = [
            ("auth-wrong-password", "HTTP 400: etcdserver: authentication failed, invalid user ID or password", true),
            ("range-no-token", "HTTP 400: etcdserver: user name is empty", true),
            ("put-no-quorum", "HTTP 500: context deadline exceeded", false),
        ]
        for r in rows {
            guard case .failure(let f) = EtcdGateway.holder(try reply(r.file)) else { XCTFail(r.file); continue }
            XCTAssertEqual(f, EtcdGateway.Refusal(message: r.message, credentials: r.credentials), r.file)
        }
        let token = try EtcdGateway.token(try reply("auth-ok")).get()
        XCTAssertTrue(token.contains(".") && token.count > 10, "etcd's simple token, RANDOM.INDEX: \(token)")
    }

    func testTheCallsAreTheGatewaysShapes() throws {
        let take = try JSON.parse(String(decoding: EtcdGateway.Call.take(key: "/nodeguard/producer/ourbp", value: "host-a", lease: 300793722875132421).body, as: UTF8.self))
        XCTAssertEqual(take["compare"]?.array?.first?["create_revision"]?.string, "0")
        XCTAssertEqual(take["compare"]?.array?.first?["key"]?.string, "L25vZGVndWFyZC9wcm9kdWNlci9vdXJicA==")
        XCTAssertEqual(take["success"]?.array?.first?["request_put"]?["lease"]?.string, "300793722875132421", "int64 as a string")
        XCTAssertEqual(take["success"]?.array?.first?["request_put"]?["value"]?.string, "aG9zdC1h")
        XCTAssertEqual(String(decoding: EtcdGateway.Call.keepAlive(lease: 7).body, as: UTF8.self), "{\"ID\":\"7\"}")
        XCTAssertEqual(String(decoding: EtcdGateway.Call.grant(ttl: 10).body, as: UTF8.self), "{\"TTL\":10}")
        XCTAssertEqual(Base64.decode("L25vZGVndWFyZC9wcm9kdWNlci9vdXJicA=="), Array("/nodeguard/producer/ourbp".utf8))
        XCTAssertEqual(Base64.decode("aG9zdC1h").map { String(decoding: $0, as: UTF8.self) }, "host-a")
        XCTAssertNil(Base64.decode("not base64!"))
    }
}
