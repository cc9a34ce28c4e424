// A producer group across hosts (issue #28): which host may have a member
// producing, agreed in etcd. Only the holder of the lease key may; taking
// it is one transaction (put only if the key does not exist, attached to a
// lease of lease_ttl), and its create_revision is the fencing token.
//   - The holder renews every third of the TTL (every cycle while renewals
//     fail) and stops producing at its deadline (LeaseTerm): safety over
//     production.
//   - A standby takes the key only once etcd shows it gone (never reckoned
//     on its own clock), and lets its member produce only when, in
//     addition, its view of the chain shows our last turn missed whole and
//     no block of ours since: while our blocks still arrive (a holder whose
//     nodeguard froze while its node produces), it holds the key and
//     resumes nothing.
//   - A host that finds the key still its own after a restart of nodeguard
//     goes on with it. No fail-back: a host that lost the key stays standby.

final class LeaseKeeper {
    let account: String
    var lease: ProducerLease
    let client: EtcdClient
    /// Held: the lease as this host reckons it.
    var term: LeaseTerm?
    /// The key's holder as last read; nil when nobody holds it or it was not read.
    var holder: EtcdGateway.Holder?
    /// Taken without a handover (wall): production waits until our last turn is seen missed whole.
    private(set) var waitingSince: Double?
    /// The last turn of ours judged, and its blocks missed.
    var lastJudged: (turn: Range<Int64>, missed: Int)?
    /// The last holder seen, kept when the key is gone: a planned release names its token.
    var lastHolder: EtcdGateway.Holder?
    /// The holder: another host asked for production (`nodeguard producer switch` there).
    var switchAsked: String?
    /// The ask's revision, and one given up on (not tried again).
    var switchAskedToken: Int64 = 0
    /// The lease the ask is under: revoked with ours on a release, so it asks no more.
    var switchAskedLease: Int64 = 0
    var ignoredAsk: Int64 = -1
    /// Renewals that failed, for nodeguard_producer_lease_renewals_failed_total.
    private(set) var renewalsFailing = 0
    /// What is said once while it lasts.
    var said: Set<String> = []
    /// producer_every, as the last run had it.
    var every = 1.0
    /// Where the lease this host took is remembered (state_directory/producer/ACCOUNT.lease):
    /// after a restart of nodeguard, only that lease is taken up again.
    var leaseFile: String?
    /// Why the last renewal failed, as the lost event's reason: "unreachable" (no
    /// endpoint could be connected to) or "quorum" (etcd took the call and could not do it).
    var lastFailure = "unreachable"
    /// The monotonic clock read after a call returns (a test's own).
    var clock: () -> Double = { Now.read().monotonic }

    init(account: String, lease: ProducerLease, client: EtcdClient? = nil) {
        self.account = account; self.lease = lease; self.client = client ?? EtcdClient(lease)
    }

    var key: String { lease.key(account: account) }
    var me: String { lease.hostName }
    /// Whether this host may have a member producing now.
    var mayProduce: Bool { term != nil && waitingSince == nil }

    /// One cycle: renew or self-fence the lease held, or see whether it can
    /// be taken; `judged`: the turn of ours judged this cycle, if one was;
    /// `latestOurs`: the slot of the latest block of ours seen.
    func run(_ cycle: inout Cycle, every: Double, judged: (turn: Range<Int64>, missed: Int)?, latestOurs: Int64?, fields: [(String, String)]) {
        self.every = every
        if let j = judged { lastJudged = j }
        if term != nil { keep(&cycle, now: cycle.now.monotonic, fields: fields) } else { look(&cycle, fields: fields) }
        // The other endpoints' reachability, while the holder has time to spare.
        if term.map({ $0.left(at: clock()) > lease.ttl / 2 }) ?? true { client.survey(now: clock()) }
        guard waitingSince != nil else { return }
        // Our last turn missed whole, and no block of ours since: nobody produces.
        if let j = lastJudged, j.missed == j.turn.count, (latestOurs ?? -1) < j.turn.lowerBound {
            waitingSince = nil
            said.remove("blocks arrive")
        } else if let j = judged, j.missed < j.turn.count, said.insert("blocks arrive").inserted {
            cycle.events.append(Event(.producerLeaseWaiting, "\(account): this host holds the lease (token \(term?.token ?? 0)) but blocks of ours still arrive (\(j.turn.count - j.missed) in our last turn): a member elsewhere still produces, its nodeguard frozen or cut off. Nothing is resumed here until a turn of ours is missed whole",
                                      priority: .warning, fields: fields))
        }
    }

    /// The holder: its deadline first, then a renewal when due.
    private func keep(_ cycle: inout Cycle, now: Double, fields: [(String, String)]) {
        guard var t = term else { return }
        if t.expired(at: now) { return lose(expiredWords(now - t.ackedSend), lastFailure, &cycle, fields) }
        guard t.renewalDue(at: now) || renewalsFailing > 0 else { return }
        let (r, sent) = client.send(.keepAlive(lease: t.lease))
        t.lastSent = sent
        term = t
        switch r.map(EtcdGateway.renewed) {
        case .success(.success(let ttl?)) where ttl > 0:
            t.acknowledged(sentAt: sent)
            term = t
            if renewalsFailing > 0 { said.remove("late") }
            renewalsFailing = 0
            readSwitchRequest()
        case .success(.success):
            return lose("etcd says the lease is gone (revoked, or expired there)", "revoked", &cycle, fields)
        case .success(.failure(let refusal)), .failure(.refused(let refusal)):
            lastFailure = refusal.credentials ? "credentials" : "quorum"
            renewalFailed(refusal.message, credentials: refusal.credentials, &cycle, fields, left: t.left(at: clock()))
        case .failure(let f):
            if case .unanswered = f { lastFailure = "quorum" } else { lastFailure = "unreachable" }
            renewalFailed(f.message, credentials: false, &cycle, fields, left: t.left(at: clock()))
        }
        if let t = term, t.expired(at: clock()) { lose(expiredWords(clock() - t.ackedSend), lastFailure, &cycle, fields) }
    }

    /// The event's fields with this token, in place of the one the check's fields carry.
    static func with(_ fields: [(String, String)], token: Int64) -> [(String, String)] {
        fields.filter { $0.0 != "TOKEN" } + [("TOKEN", String(token))]
    }

    func expiredWords(_ since: Double) -> String {
        let why = ["quorum": "etcd answers but cannot renew it: no quorum, or overloaded", "credentials": "etcd refuses the credentials",
                   "unreachable": "no etcd endpoint could be reached"][lastFailure] ?? lastFailure
        return "no renewal was acknowledged for \(TimeSpan.format(since.rounded())) (\(why))"
    }

    private func renewalFailed(_ why: String, credentials: Bool, _ cycle: inout Cycle, _ fields: [(String, String)], left: Double) {
        renewalsFailing += 1
        cycle.tallies.append(.leaseRenewalFailed(account: account))
        guard said.insert("late").inserted else { return }
        cycle.events.append(Event(.producerLeaseLate, "\(account): the lease (token \(term?.token ?? 0)) could not be renewed: \(why); asking every cycle, \(TimeSpan.format(left.rounded(.down))) left before this host stops producing",
                                  priority: credentials ? .err : .warning, fields: fields))
    }

    /// The lease is no longer this host's: its members are paused (the producer check does it this cycle).
    private func lose(_ why: String, _ reason: String, _ cycle: inout Cycle, _ fields: [(String, String)]) {
        let token = term?.token ?? 0
        term = nil
        waitingSince = nil
        renewalsFailing = 0
        said.remove("late")
        cycle.events.append(Event(.producerLeaseLost, "\(account): this host lost the lease (token \(token)): \(why). Pausing its members now: safety over production",
                                  fields: Self.with(fields, token: token) + [("REASON", reason)]))
    }

    /// A standby: who holds the key; take it when nobody does, or go on with it when it is still ours.
    private func look(_ cycle: inout Cycle, fields: [(String, String)]) {
        let (r, _) = client.send(.range(key: key))
        switch r.map(EtcdGateway.holder) {
        case .success(.success(let h?)) where h.name == me:
            adopt(h, &cycle, fields)
        case .success(.success(let h?)):
            holder = h
            lastHolder = h
            said.remove("credentials")
        case .success(.success(nil)):
            holder = nil
            take(&cycle, fields, planned: releasedToUs())
        case .success(.failure(let refusal)), .failure(.refused(let refusal)):
            holder = nil
            refused(refusal, &cycle, fields)
        case .failure:
            holder = nil   // unknown: nothing is taken without etcd's word
        }
    }

    /// The key is still this host's (nodeguard restarted within the TTL): kept, and production goes on.
    /// Only a lease this host took: another host with the same lease_name is not this one.
    private func adopt(_ h: EtcdGateway.Holder, _ cycle: inout Cycle, _ fields: [(String, String)]) {
        guard let f = leaseFile, FileIO.readText(f)?.split(separator: "\n").first == Substring(String(h.lease)) else {
            holder = h
            lastHolder = h
            if said.insert("same name").inserted {
                cycle.events.append(Event(.producerLeaseWaiting, "\(account): the lease key names \(me), this host's lease_name, but holds a lease this host did not take: another host has the same name. Give each host its own lease_name; this host stands by",
                                          priority: .crit, fields: Self.with(fields, token: h.token)))
            }
            return
        }
        let (r, sent) = client.send(.keepAlive(lease: h.lease))
        guard case .success(.success(let ttl?)) = r.map(EtcdGateway.renewed), ttl > 0 else { return }
        term = LeaseTerm(lease: h.lease, token: h.token, ttl: lease.ttl, every: every, grantSent: sent)
        holder = h
        cycle.events.append(Event(.producerLeaseTaken, "\(account): the key in etcd still holds the lease this host took (\(me), token \(h.token)), after a restart of nodeguard or a cut shorter than the TTL: it never expired there, so nobody else can have produced; it goes on",
                                  priority: .notice, fields: Self.with(fields, token: h.token)))
    }

    private func take(_ cycle: inout Cycle, _ fields: [(String, String)], planned: Bool) {
        let (g, grantSent) = client.send(.grant(ttl: Int(lease.ttl.rounded(.up))))
        guard case .success(.success(let granted)) = g.map(EtcdGateway.granted) else {
            if case .success(.failure(let refusal)) = g.map(EtcdGateway.granted) { refused(refusal, &cycle, fields) }
            return
        }
        let (t, _) = client.send(.take(key: key, value: me, lease: granted.lease))
        switch t.map(EtcdGateway.taken) {
        case .success(.success(.ours(let token))):
            term = LeaseTerm(lease: granted.lease, token: token, ttl: Double(granted.ttl), every: every, grantSent: grantSent)
            if let f = leaseFile {
                FileIO.makeDirectories(FileIO.directory(of: f), mode: 0o755)
                _ = FileIO.writeAtomically(f, "\(granted.lease)\n", durable: true, mode: 0o644)
            }
            let previous = lastHolder
            holder = EtcdGateway.Holder(name: me, lease: granted.lease, token: token)
            lastHolder = holder
            // Released on purpose, its members confirmed paused: no turn needs to be missed.
            waitingSince = planned ? nil : cycle.now.wall
            let then = planned ? "\(previous.map { "\($0.name) (token \($0.token))" } ?? "the last holder") released it on purpose, its members paused (a planned switch): a member is resumed here now"
                : "a member is resumed here once our last turn is seen missed whole (the last holder's member may still produce)"
            cycle.events.append(Event(.producerLeaseTaken, "\(account): this host (\(me)) took the lease, token \(token); \(then)",
                                      priority: .notice, fields: Self.with(fields, token: token)))
        case .success(.success(.heldBy(let h))):
            holder = h
            _ = client.send(.revoke(lease: granted.lease))   // ours went unused
        default:
            _ = client.send(.revoke(lease: granted.lease))
        }
    }

    private func refused(_ refusal: EtcdGateway.Refusal, _ cycle: inout Cycle, _ fields: [(String, String)]) {
        guard refusal.credentials, said.insert("credentials").inserted else { return }
        cycle.events.append(Event(.producerLeaseLate, "\(account): etcd refuses user \(lease.user ?? "(none)"): \(refusal.message). This host cannot hold the lease and produces nothing; check lease_user and lease_password_file",
                                  priority: .err, fields: fields))
    }
}
