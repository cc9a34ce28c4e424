// `nodeguard-bench configparse N`: the TOML reader on a 1 MiB config of long
// arrays and many tables, parsed N times; the median in milliseconds.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit
import NodeGuardCLI
import TOML

/// Just under TOMLParser.maxBytes and its maxValues: tables, nested tables,
/// long one-line arrays of long paths and numbers, multi-line arrays, inline
/// tables, strings with escapes (about 75 values a block of 10 KiB).
func largeConfig() -> [UInt8] {
    var text: [UInt8] = Array(ReferenceConfig.text().utf8)
    var n = 0
    let deep = String(repeating: "segment/", count: 25)
    while true {
        let paths = (0..<40).map { "\"/var/lib/docker/volumes/node\(n)-\($0)/_data/\(deep)\"" }.joined(separator: ", ")
        let block = """

        [node\(n)]
        unit = "dmo-node-\(n).service"
        paths = [\(paths)]
        heights = [\((0..<20).map { String($0 * 1_000_003) }.joined(separator: ", "))]
        limits = { warn_above = "900MiB", restart_above = "1.2GiB", for = "3m" }
        [node\(n).restart]
        command = [
          "/usr/bin/docker", # the engine's CLI
          "restart",
          "node-\(n)",
        ]
        note = "tab\\there \\u00e9 \(n)"

        """
        let bytes = Array(block.utf8)
        if text.count + bytes.count > TOMLParser.maxBytes { return text }
        text += bytes
        n += 1
    }
}

func benchConfigParse(times: Int) -> Int32 {
    let input = largeConfig()
    var ms: [Double] = []
    var tables = 0
    for _ in 0..<times {
        let t0 = Now.read().monotonic
        guard let doc = try? TOMLParser.parse(bytes: input) else { print("config_parse: the generated file was refused"); return 1 }
        ms.append((Now.read().monotonic - t0) * 1000)
        tables = doc.entries.count
    }
    ms.sort()
    print("config_parse_bytes=\(input.count)")
    print("config_parse_top_level_keys=\(tables)")
    print("config_parse_1mib_ms=\(Double(Int(ms[ms.count / 2] * 10)) / 10)")
    return 0
}
