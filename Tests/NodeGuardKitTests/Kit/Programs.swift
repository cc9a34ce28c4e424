// The built programs, run as a user (and systemd) would: found in .build,
// run with their output and exit status, with a config file written for them.
import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit

func binary(_ name: String) throws -> String {
    let here = #filePath
    let top = String(here[..<here.range(of: "/Tests/")!.lowerBound])
    for dir in ["/.build/debug/", "/.build/release/"] where FileManager.default.isExecutableFile(atPath: top + dir + name) {
        return top + dir + name
    }
    throw MissingBinary(name: name)
}

/// A program the tests drive is not built: a failure that says how to build it, never a skip.
struct MissingBinary: Error, CustomStringConvertible {
    var name: String
    var description: String { "\(name) is not built in .build/debug or .build/release; run `swift build --build-tests` (make unit-test does)" }
}

struct Ran { var status: Int32; var stdout: String; var stderr: String }

func runProgram(_ path: String, _ args: [String], env: [String: String] = [:]) throws -> Ran {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Ran(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

func writeConfig(_ text: String) -> String {
    let path = tempDir() + "/nodeguard.toml"
    FileIO.writeAtomically(path, text, durable: false, mode: 0o644)
    return path
}
