// Least-squares fits over a bounded, downsampled window of samples: the
// node's memory growth (leak warning) and a disk's fill rate (days until full).

public struct TrendFit: Equatable, Sendable {
    /// Units per second.
    public var slope: Double
    /// Coefficient of determination: 1 is a straight line.
    public var r2: Double
    /// Seconds between the first and last sample.
    public var span: Double
    public var points: Int
}

public struct TrendWindow: Equatable, Sendable {
    public let window: Double
    public let maxPoints: Int
    public private(set) var times: [Double] = []
    public private(set) var values: [Double] = []

    public init(window: Double, maxPoints: Int = 120) {
        self.window = window
        self.maxPoints = maxPoints
    }

    /// Keeps at most maxPoints spread over the window, so memory stays bounded
    /// whatever the check interval.
    public mutating func add(time: Double, value: Double) {
        let spacing = window / Double(maxPoints)
        if times.count >= 2, time - times[times.count - 2] < spacing {
            // The newest point is a live one: replace it until it is a full
            // spacing after the one before, so the fit stays current without
            // the window growing.
            times[times.count - 1] = time
            values[values.count - 1] = value
        } else {
            times.append(time)
            values.append(value)
        }
        while let first = times.first, time - first > window {
            times.removeFirst()
            values.removeFirst()
        }
    }

    public mutating func clear() { times.removeAll(); values.removeAll() }

    public var latest: Double? { values.last }

    public func fit() -> TrendFit? { Self.fit(times: times, values: values) }

    public static func fit(times: [Double], values: [Double]) -> TrendFit? {
        let n = Double(times.count)
        guard times.count >= 3, let t0 = times.first, let tn = times.last, tn > t0 else { return nil }
        var st = 0.0, sv = 0.0
        for i in times.indices { st += times[i] - t0; sv += values[i] }
        let mt = st / n, mv = sv / n
        var stt = 0.0, stv = 0.0, svv = 0.0
        for i in times.indices {
            let dt = times[i] - t0 - mt, dv = values[i] - mv
            stt += dt * dt; stv += dt * dv; svv += dv * dv
        }
        guard stt > 0 else { return nil }
        let slope = stv / stt
        let r2 = svv == 0 ? 0 : (stv * stv) / (stt * svv)
        return TrendFit(slope: slope, r2: r2, span: tn - t0, points: times.count)
    }
}
