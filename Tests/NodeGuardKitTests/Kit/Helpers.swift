import XCTest
@testable import NodeGuardKit

/// The fixture trees under Tests/Fixtures.
func fixture(_ name: String) -> String {
    let here = #filePath
    return String(here[..<here.range(of: "/Tests/")!.lowerBound]) + "/Tests/Fixtures/" + name
}

/// A whole HTTP reply kept under Tests/Fixtures ("rpc-replies/NAME.http"), parsed.
func recordedReply(_ path: String) throws -> HTTPResponse {
    let bytes = try XCTUnwrap(FileIO.readBytes(fixture(path)), path)
    return try XCTUnwrap(try HTTP1.parse(bytes, eof: true), path)
}

func decode(_ text: String) -> Result<Config, ConfigErrors> {
    ConfigLoader.decode(text, path: "t.toml")
}

func errors(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
    switch decode(text) {
    case .success: XCTFail("expected errors for:\n\(text)", file: file, line: line); return []
    case .failure(let e): return e.lines
    }
}

func config(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Config {
    switch decode(text) {
    case .success(let c): return c
    case .failure(let e): XCTFail("unexpected errors: \(e.lines)", file: file, line: line); return Config()
    }
}

/// A unix socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound at `path`; its fd.
func boundUnixSocket(_ path: String, _ type: __socket_type) -> Int32 {
    let fd = socket(AF_UNIX, Int32(type.rawValue), 0)
    let rc = UnixAddress(path)?.withSockaddr { bind(fd, $0, $1) } ?? -1
    XCTAssertEqual(rc, 0, "bind \(path): \(FileIO.errorText(errno))")
    return fd
}

/// A fresh directory under /tmp, removed when the test run ends.
func tempDir() -> String {
    var template = Array("/tmp/nodeguard-test-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    let dir = String(cString: p!)
    TempDirs.shared.made.append(dir)
    return dir
}

/// Removes every tempDir() when the test bundle finishes, passed or failed.
final class TempDirs: XCTestObservation {
    nonisolated(unsafe) static let shared: TempDirs = {
        let t = TempDirs()
        XCTestObservationCenter.shared.addTestObserver(t)
        return t
    }()
    var made: [String] = []
    func testBundleDidFinish(_ testBundle: Bundle) {
        for dir in made { removeTempDir(dir) }
        made = []
    }
}

/// Removes a directory made by tempDir(), and only such a directory.
func removeTempDir(_ dir: String) {
    guard dir.hasPrefix("/tmp/nodeguard-test-"), !dir.contains("..") else { return }
    _ = CommandRunner.run(["/bin/rm", "-rf", dir], timeout: 30)
}

extension Guard {
    /// The guard's first check of a type, for tests that look inside one.
    func check<T: Check>(_ type: T.Type) -> T? { checks.lazy.compactMap { $0 as? T }.first }
}
