// A producer lease as its holder keeps it (issue #28), on the holder's own
// monotonic clock. etcd's lease timer runs on the etcd leader's clock and
// is reset when the leader changes, so the lease can only expire later than
// the holder reckons from the send time of the last renewal etcd
// acknowledged, never earlier. The holder stops producing before that
// reckoning runs out, with a margin for all that can come between the
// deadline and the member's last block: the wait for the next cycle
// (producer_every), an etcd call in flight (1 s), the pause call (2 s), a
// block being built when the pause comes (0.5 s), and the two clocks'
// drift (1000 ppm of the TTL). Pure.

public struct LeaseTerm: Equatable, Sendable {
    public var lease: Int64
    /// The key's create_revision: the fencing token, in every producer event.
    public var token: Int64
    public var ttl: Double
    /// producer_every: how late the holder may notice its deadline.
    public var every: Double
    /// When the last renewal (or the grant) that etcd acknowledged was sent.
    public var ackedSend: Double
    /// When the last renewal was sent, acknowledged or not.
    public var lastSent: Double

    public init(lease: Int64, token: Int64, ttl: Double, every: Double, grantSent: Double) {
        self.lease = lease; self.token = token; self.ttl = ttl; self.every = every; ackedSend = grantSent; lastSent = grantSent
    }

    /// Drift between two clocks, as a part of the time measured: 1000 ppm,
    /// ten times what an NTP-less VPS's clock drifts.
    public static let drift = 0.001

    /// What is taken off the TTL: the next cycle, an etcd call, the pause call, a block, drift.
    public static func margin(ttl: Double, every: Double) -> Double {
        every + EtcdClient.timeout + ProducerCalls.timeout + ProducerRule.blockInterval + ttl * drift
    }

    /// The shortest lease_ttl at all (etcd's own minimum is 2 s).
    public static let shortestTTL = 5.0

    /// The shortest TTL at which a renewal a third of it after the last
    /// still comes before the deadline, at this producer_every.
    public static func shortestTTL(every: Double) -> Double {
        ((every + EtcdClient.timeout + ProducerCalls.timeout + ProducerRule.blockInterval) / (2.0 / 3 - drift)).rounded(.up)
    }

    /// Past it without a renewal acknowledged, the holder pauses its member.
    public var deadline: Double { ackedSend + ttl - Self.margin(ttl: ttl, every: every) }

    /// Renewed every third of the TTL (and every cycle once one failed).
    public func renewalDue(at now: Double) -> Bool { now - lastSent >= ttl / 3 }

    public func expired(at now: Double) -> Bool { now >= deadline }

    /// The seconds left before the holder must stop producing.
    public func left(at now: Double) -> Double { max(0, deadline - now) }

    /// A renewal sent at `sent` was acknowledged.
    public mutating func acknowledged(sentAt sent: Double) { ackedSend = max(ackedSend, sent) }
}
