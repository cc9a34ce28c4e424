// Which Docker log files to prune, in the order that frees space without
// losing what dockerd still writes: closed rotations first (oldest first),
// then, only when an active log alone is over its container's limit, the head
// of that log cut in place, its last half of the limit kept. Active logs are
// never deleted: dockerd would keep writing to the deleted inode and nothing
// would be freed.

public struct PruneStep: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable { case deleteRotation = "delete-rotation", truncateActive = "truncate" }
    public var kind: Kind
    public var containerID: String
    public var file: String
    public var bytes: UInt64
    public var reason: String
    /// An active log: the bytes of its tail to keep when it is cut.
    public var keep: UInt64 = 0
}

public enum LogPruningPolicy {
    /// `maxPerContainer`/`maxTotal` 0: no limit. `allRotations`: also every
    /// closed rotation within the limits (a disk at critical).
    public static func plan(_ logs: [ContainerLogs], maxPerContainer: UInt64, maxTotal: UInt64, allRotations: Bool = false) -> [PruneStep] {
        var steps: [PruneStep] = []
        var left: [(id: String, file: LogFile)] = []
        var total: UInt64 = 0
        for c in logs {
            var size = c.bytes
            var rotations = c.files.filter { !$0.isActive }.sorted { $0.rotation > $1.rotation }   // oldest first
            while let oldest = rotations.first, allRotations || (maxPerContainer > 0 && size > maxPerContainer) {
                let why = allRotations && !(maxPerContainer > 0 && size > maxPerContainer)
                    ? "the disk is at critical: closed rotations go first"
                    : "the container's logs (\(Size.format(size))) are over max_per_container (\(Size.format(maxPerContainer)))"
                steps.append(PruneStep(kind: .deleteRotation, containerID: c.id, file: oldest.name, bytes: oldest.bytes, reason: why))
                size -= oldest.bytes
                rotations.removeFirst()
            }
            if maxPerContainer > 0, size > maxPerContainer, let active = c.active, active.bytes > maxPerContainer {
                // Half the limit kept: the log grows back to the limit before it is cut again.
                let keep = maxPerContainer / 2
                steps.append(PruneStep(kind: .truncateActive, containerID: c.id, file: active.name, bytes: active.bytes,
                                       reason: "the active log alone (\(Size.format(active.bytes))) is over max_per_container (\(Size.format(maxPerContainer)))",
                                       keep: keep))
                size -= active.bytes - keep
            }
            total += size
            left += rotations.map { (c.id, $0) }
        }
        if maxTotal > 0 && total > maxTotal {
            for (id, f) in left.sorted(by: { $0.file.modified < $1.file.modified }) where total > maxTotal {
                steps.append(PruneStep(kind: .deleteRotation, containerID: id, file: f.name, bytes: f.bytes,
                                       reason: "all containers' logs (\(Size.format(total))) are over max_total (\(Size.format(maxTotal)))"))
                total -= f.bytes
            }
        }
        return steps
    }
}
