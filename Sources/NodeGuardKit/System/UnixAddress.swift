// A unix socket's address, for connect, sendto and bind: a filesystem path,
// or "@name" in the abstract namespace (as $NOTIFY_SOCKET may be).
#if canImport(Glibc)
import Glibc
#endif

struct UnixAddress {
    var storage = sockaddr_un()
    /// The family, the path and its NUL (none for an abstract name).
    let length: socklen_t

    /// nil when the path is empty or does not fit in sun_path.
    init?(_ path: String) {
        var bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        let abstract = bytes[0] == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { for (i, b) in bytes.enumerated() { $0[i] = b } }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }
}
