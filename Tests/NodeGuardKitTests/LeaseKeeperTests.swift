// The lease keeper's state machine (issue #28) on an injected clock, against
// a model of etcd that answers the gateway's calls as 3.4 does (the replies'
// shapes are EtcdGatewayTests' recorded ones): taken, waiting for a turn of
// ours missed whole, renewed every third of the TTL, lost at the deadline
// (unreachable, quorum, revoked), standing by, and taken up again.
import XCTest
@testable import NodeGuardKit
import NodeGuardCLI

/// etcd as the keeper sees it: keys under leases, leases expiring on etcd's
/// own clock (here the test's), and a cut network or a lost quorum.
final class EtcdModel: EtcdClient {
    enum Mode { case up, unreachable, noQuorum }
    var mode = Mode.up
    var now = 100.0
    var kv: [String: (value: String, lease: Int64, revision: Int64)] = [:]
    var leases: [Int64: (ttl: Double, expires: Double)] = [:]
    var revision: Int64 = 1
    var nextLease: Int64 = 7001
    var keepalives = 0

    init() {
        var lease = ProducerLease()
        lease.endpoints = ["http://127.0.0.1:2379"]
        super.init(lease)
    }

    func grant(ttl: Double) -> Int64 {
        nextLease += 1
        leases[nextLease] = (ttl, now + ttl)
        return nextLease
    }

    func revoke(_ id: Int64) {
        leases[id] = nil
        kv = kv.filter { $0.value.lease != id }
    }

    override func survey(now: Double) {}

    override func send(_ call: EtcdGateway.Call) -> (Result<HTTPResponse, Failure>, sentAt: Double) {
        for (id, l) in leases where l.expires <= now { revoke(id) }
        switch mode {
        case .unreachable: return (.failure(.unreachable("127.0.0.1:2379: connection refused")), now)
        case .noQuorum: return (.success(Self.reply(#"{"error":"context deadline exceeded","message":"context deadline exceeded","code":2}"#, status: 500)), now)
        case .up: return (.success(Self.reply(answer(call))), now)
        }
    }

    private func answer(_ call: EtcdGateway.Call) -> String {
        let header = #"{"revision":"\#(revision)"}"#
        switch call {
        case .grant(let ttl): return #"{"header":\#(header),"ID":"\#(grant(ttl: Double(ttl)))","TTL":"\#(ttl)"}"#
        case .take(let key, let value, let lease):
            if kv[key] == nil { revision += 1; kv[key] = (value, lease, revision); return #"{"header":{"revision":"\#(revision)"},"succeeded":true}"# }
            return #"{"header":\#(header),"responses":[{"response_range":{"kvs":[\#(pair(key))],"count":"1"}}]}"#
        case .keepAlive(let id):
            keepalives += 1
            guard let l = leases[id] else { return #"{"result":{"header":\#(header),"ID":"\#(id)"}}"# }
            leases[id] = (l.ttl, now + l.ttl)
            return #"{"result":{"header":\#(header),"ID":"\#(id)","TTL":"\#(Int(l.ttl))"}}"#
        case .revoke(let id): revoke(id); return #"{"header":\#(header)}"#
        case .range(let key): return kv[key] == nil ? #"{"header":\#(header)}"# : #"{"header":\#(header),"kvs":[\#(pair(key))],"count":"1"}"#
        case .put(let key, let value, let lease): revision += 1; kv[key] = (value, lease, revision); return #"{"header":\#(header)}"#
        case .authenticate: return #"{"header":\#(header),"token":"t.1"}"#
        }
    }

    private func pair(_ key: String) -> String {
        guard let e = kv[key] else { return "" }
        return #"{"key":"\#(EtcdGateway.b64(key))","create_revision":"\#(e.revision)","value":"\#(EtcdGateway.b64(e.value))","lease":"\#(e.lease)"}"#
    }

    static func reply(_ body: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}

final class LeaseKeeperTests: XCTestCase {
    static let key = "/nodeguard/producer/ourbp"

    /// One cycle: the clock at `at`, what etcd does first, the turn judged and our latest slot;
    /// then what must hold: the lease held here, whether a member may produce, the events (with a reason).
    struct Step {
        var at: Double
        var etcd: (EtcdModel) -> Void = { _ in }
        var judged: (turn: Range<Int64>, missed: Int)? = nil
        var ours: Int64? = nil
        var holding: Bool
        var mayProduce: Bool
        var events: [String] = []
    }

    func run(_ why: String, _ steps: [Step], leaseFile: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> EtcdModel {
        let etcd = EtcdModel()
        var lease = ProducerLease()
        lease.endpoints = etcd.endpoints.map { "http://\($0)" }
        lease.name = "host-a"
        let k = LeaseKeeper(account: "ourbp", lease: lease, client: etcd)
        // Where the daemon keeps the ID of the lease it took (state_directory/producer/ourbp.lease).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lease-keeper-run-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        k.leaseFile = leaseFile ?? dir + "/ourbp.lease"
        k.clock = { etcd.now }
        for (i, s) in steps.enumerated() {
            etcd.now = s.at
            s.etcd(etcd)
            var cycle = Cycle(now: Now(monotonic: s.at, wall: 1_800_000_000 + s.at), mode: .act, whileWaiting: {})
            k.run(&cycle, every: 1, judged: s.judged, latestOurs: s.ours, fields: [("ACCOUNT", "ourbp")])
            let said = cycle.events.map { e in e.kind.rawValue + (e.fields.first { $0.0 == "REASON" }.map { " " + $0.1 } ?? "") + (e.priority == .crit ? " CRIT" : "") }
            let at = "\(why), step \(i + 1) (t=\(s.at))"
            XCTAssertEqual(k.term != nil, s.holding, "\(at): held", file: file, line: line)
            XCTAssertEqual(k.mayProduce, s.mayProduce, "\(at): may produce", file: file, line: line)
            XCTAssertEqual(said, s.events, "\(at): events \(cycle.events.map(\.message))", file: file, line: line)
        }
        return etcd
    }

    func testTakenThenWaitingForATurnOfOursMissedWholeThenRenewedEveryThird() {
        let etcd = run("taken", [
            Step(at: 100, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
            Step(at: 101, judged: (0..<12, 3), ours: 11, holding: true, mayProduce: false, events: ["producer_lease_waiting"]),
            Step(at: 102, ours: 11, holding: true, mayProduce: false),
            Step(at: 103, judged: (24..<36, 12), ours: 11, holding: true, mayProduce: true),
            Step(at: 103.34, holding: true, mayProduce: true),   // the first renewal, a third of 10 s after the grant was sent
            Step(at: 106.5, holding: true, mayProduce: true),
            Step(at: 106.7, holding: true, mayProduce: true),    // the second: due at 106.67
            Step(at: 112.18, holding: true, mayProduce: true),   // the deadline moved to 106.7 + 10 - 4.51 = 112.19
        ])
        XCTAssertEqual(etcd.keepalives, 3, "renewed at 103.34, 106.7 and 112.18, not every cycle")
    }

    func testABlockOfOursAfterTheMissedTurnKeepsTheStandbyWaiting() {
        _ = run("a block of ours after the missed turn", [
            Step(at: 100, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
            Step(at: 101, judged: (0..<12, 12), ours: 14, holding: true, mayProduce: false),
            Step(at: 102, ours: 14, holding: true, mayProduce: false),
            Step(at: 103, judged: (24..<36, 12), ours: 14, holding: true, mayProduce: true),
        ])
    }

    func testTheHolderStopsAtItsDeadlineWhenNoRenewalIsAcknowledged() {
        let cut: (EtcdModel) -> Void = { $0.mode = .unreachable }, up: (EtcdModel) -> Void = { $0.mode = .up }
        _ = run("etcd unreachable", [
            Step(at: 100, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
            Step(at: 101, judged: (0..<12, 12), holding: true, mayProduce: true),
            Step(at: 103.4, etcd: cut, holding: true, mayProduce: true, events: ["producer_lease_late"]),
            Step(at: 104.4, holding: true, mayProduce: true),
            Step(at: 105.48, holding: true, mayProduce: true),
            Step(at: 105.49, holding: false, mayProduce: false, events: ["producer_lease_lost unreachable CRIT"]),
            Step(at: 106.49, holding: false, mayProduce: false),
            // Back before etcd let the lease expire: the key is still this host's lease, so nobody
            // else can have produced; it goes on with it.
            Step(at: 107, etcd: up, holding: true, mayProduce: true, events: ["producer_lease_taken"]),
        ])
        _ = run("quorum lost", [
            Step(at: 100, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
            Step(at: 103.4, etcd: { $0.mode = .noQuorum }, holding: true, mayProduce: false, events: ["producer_lease_late"]),
            Step(at: 105.49, holding: false, mayProduce: false, events: ["producer_lease_lost quorum CRIT"]),
        ])
        _ = run("a late acknowledgement", [
            Step(at: 100, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
            Step(at: 103.4, etcd: cut, holding: true, mayProduce: false, events: ["producer_lease_late"]),
            Step(at: 105, etcd: up, holding: true, mayProduce: false),   // renewed at 105: the deadline is 110.49
            Step(at: 110.48, holding: true, mayProduce: false),
        ])
    }

    func testALeaseRevokedInEtcdIsLostAtTheNextRenewal() {
        _ = run("revoked", [
            Step(at: 100, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
            Step(at: 101, etcd: { e in e.kv[Self.key].map { e.revoke($0.lease) } }, holding: true, mayProduce: false),
            Step(at: 103.4, holding: false, mayProduce: false, events: ["producer_lease_lost revoked CRIT"]),
            Step(at: 104, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
        ])
    }

    func testAStandbyTakesTheKeyOnlyOnceEtcdShowsItGone() {
        let heldByB: (EtcdModel) -> Void = { e in e.revision += 1; e.kv[Self.key] = ("host-b", e.grant(ttl: 10), e.revision) }
        _ = run("held by another host", [
            Step(at: 100, etcd: heldByB, holding: false, mayProduce: false),
            Step(at: 109.9, holding: false, mayProduce: false),
            Step(at: 110, holding: true, mayProduce: false, events: ["producer_lease_taken"]),
        ])
    }

    func testOnlyALeaseThisHostTookIsTakenUpAgain() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lease-keeper-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/ourbp.lease"
        FileIO.makeDirectories(dir)
        let mine: (EtcdModel) -> Void = { e in
            let id = e.grant(ttl: 10)
            e.revision += 1; e.kv[Self.key] = ("host-a", id, e.revision)
            _ = FileIO.writeAtomically(file, "\(id)\n", durable: false)
        }
        _ = run("nodeguard restarted", [
            Step(at: 100, etcd: mine, holding: true, mayProduce: true, events: ["producer_lease_taken"]),
        ], leaseFile: file)
        let anothers: (EtcdModel) -> Void = { e in
            e.revision += 1; e.kv[Self.key] = ("host-a", e.grant(ttl: 10), e.revision)
            _ = FileIO.writeAtomically(file, "1\n", durable: false)
        }
        _ = run("another host with this lease_name", [
            Step(at: 100, etcd: anothers, holding: false, mayProduce: false, events: ["producer_lease_waiting CRIT"]),
            Step(at: 101, holding: false, mayProduce: false),
        ], leaseFile: file)
    }

    /// `nodeguard producer --json` from the status file the daemon writes: the holder, its token, the time left, each endpoint.
    func testProducerJSONNamesTheHolderAndEachEndpoint() throws {
        let etcd = EtcdModel()
        var lease = ProducerLease()
        lease.endpoints = ["http://127.0.0.1:2379"]
        lease.name = "host-a"
        let k = LeaseKeeper(account: "ourbp", lease: lease, client: etcd)
        k.clock = { etcd.now }
        func producerJSON(_ value: String) throws -> JSON? {
            var cycle = Cycle(now: Now(monotonic: etcd.now, wall: 1_800_000_000), mode: .act, whileWaiting: {})
            _ = etcd.send(.range(key: "/x"))   // etcd's expiries, as at a call
            k.run(&cycle, every: 1, judged: nil, latestOurs: nil, fields: [])
            etcd.lastOutcome["http://127.0.0.1:2379"] = .some(nil)
            let r = Reading(ProducerCheck.producing, target: "ourbp", value: .word(value), figures: ProducerCheck.leaseFigures(k, now: etcd.now), state: .ok)
            var view = StatusView()
            view.checks = [ReadingText.view(r)]
            let back = try XCTUnwrap(StatusView(json: try JSON.parse(String(decoding: view.jsonBytes(), as: UTF8.self))))
            return ProducerCommand.json(back)["groups"]?.array?.first?["lease"]
        }
        let held = try XCTUnwrap(try producerJSON("bpa"))
        XCTAssertEqual(held["held_here"]?.bool, true)
        XCTAssertEqual(held["holder"]?.string, "host-a")
        XCTAssertEqual(held["token"]?.number, 2)
        XCTAssertEqual(held["seconds_left"]?.number ?? 0, 5.49, accuracy: 0.01)
        XCTAssertEqual(held["endpoints"]?.array?.first?["url"]?.string, "http://127.0.0.1:2379")
        XCTAssertEqual(held["endpoints"]?.array?.first?["answers"]?.bool, true)

        // Another host holds it; this one cannot reach etcd now.
        etcd.kv[Self.key] = ("host-b", etcd.grant(ttl: 10), 9)
        k.term = nil
        etcd.now = 101
        let standby = try XCTUnwrap(try producerJSON("none"))
        XCTAssertEqual(standby["held_here"]?.bool, false)
        XCTAssertEqual(standby["holder"]?.string, "host-b")
        XCTAssertEqual(standby["token"]?.number, 9)
        XCTAssertEqual(standby["seconds_left"], JSON.null)
        etcd.lastOutcome["http://127.0.0.1:2379"] = "connection refused"
        let r = Reading(ProducerCheck.producing, target: "ourbp", value: .word("none"), figures: ProducerCheck.leaseFigures(k, now: 101), state: .ok)
        var view = StatusView()
        view.checks = [ReadingText.view(r)]
        let cut = ProducerCommand.json(view)["groups"]?.array?.first?["lease"]?["endpoints"]?.array?.first
        XCTAssertEqual(cut?["answers"]?.bool, false)
        XCTAssertEqual(cut?["error"]?.string, "connection refused")
    }
}
