// A producer lease as its holder keeps it (issue #28), on the holder's own
// monotonic clock. etcd's lease timer runs on the etcd leader's clock and
// is reset when the leader changes, so the lease can only expire later than
// the holder reckons from the send time of the last renewal etcd
// acknowledged, never earlier. The holder stops producing before that
// reckoning runs out, with a margin for what still happens after it
// decides: a block being built when the pause comes (0.5 s), the pause
// call's own timeout, and the two clocks' drift. Pure.

public struct LeaseTerm: Equatable, Sendable {
    public var lease: Int64
    /// The key's create_revision: the fencing token, in every producer event.
    public var token: Int64
    public var ttl: Double
    /// When the last renewal (or the grant) that etcd acknowledged was sent.
    public var ackedSend: Double
    /// When the last renewal was sent, acknowledged or not.
    public var lastSent: Double

    public init(lease: Int64, token: Int64, ttl: Double, grantSent: Double) {
        self.lease = lease; self.token = token; self.ttl = ttl; ackedSend = grantSent; lastSent = grantSent
    }

    /// Drift between two clocks, as a part of the time measured: 1000 ppm,
    /// ten times what an NTP-less VPS's clock drifts.
    public static let drift = 0.001

    /// What is taken off the TTL: a block, the pause call's timeout, drift.
    public static func margin(ttl: Double) -> Double { ProducerRule.blockInterval + ProducerCalls.timeout + ttl * drift }

    /// The smallest TTL that leaves time to renew twice before the deadline.
    public static let shortestTTL = 8.0

    /// Past it without a renewal acknowledged, the holder pauses its member.
    public var deadline: Double { ackedSend + ttl - Self.margin(ttl: ttl) }

    /// Renewed every third of the TTL: two renewals may fail before the deadline.
    public func renewalDue(at now: Double) -> Bool { now - lastSent >= ttl / 3 }

    public func expired(at now: Double) -> Bool { now >= deadline }

    /// The seconds left before the holder must stop producing.
    public func left(at now: Double) -> Double { max(0, deadline - now) }

    /// A renewal sent at `sent` was acknowledged.
    public mutating func acknowledged(sentAt sent: Double) { ackedSend = max(ackedSend, sent) }
}
