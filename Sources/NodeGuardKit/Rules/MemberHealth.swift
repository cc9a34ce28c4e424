// Whether a member of a producer group could take over production: its
// process runs, its chain API answers, its head is recent and advances.
// Pure: the producer check reads the member and asks.

public enum MemberHealth {
    /// Why the member is not healthy, in words for the operator; nil when it is.
    /// `head`: get_info's answer this cycle (nil: not asked); `previousBlock`:
    /// its head block at the last answer; `now`: wall seconds.
    public static func problem(process: MemberState.Process, head: Result<ProducerAPI.Head, ProbeError>?,
                               previousBlock: UInt64?, now: Double, maxLag: Double) -> String? {
        switch process {
        case .gone: return "its process is not running"
        case .unknown: return "whether it runs cannot be read"
        case .running: break
        }
        guard let head else { return "its chain API was not asked yet" }
        let h: ProducerAPI.Head
        switch head {
        case .failure(let e): return "its chain API does not answer: \(e.message)"
        case .success(let v): h = v
        }
        let behind = now - h.time
        if behind > maxLag {
            return "its head block \(h.block) is \(TimeSpan.format(behind.rounded())) behind the clock (max_lag \(TimeSpan.format(maxLag)))"
        }
        if let p = previousBlock, h.block <= p { return "its head has not advanced from block \(p)" }
        return nil
    }
}
