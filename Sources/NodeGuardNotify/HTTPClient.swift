// One HTTP(S) request through libcurl (CCurl), with its outcome as a Delivery.
#if canImport(Glibc)
import Glibc
#endif
import CCurl
import NodeGuardKit

public enum HTTPClient {
    /// nil when libcurl can be used, else why not.
    public static func load() -> String? {
        var why = [CChar](repeating: 0, count: 256)
        return ng_http_load(&why, why.count) == 0 ? nil : String(nulTerminated: why)
    }

    public static func send(_ r: HTTPRequest, timeout: Double, caFile: String, now: Double) -> Delivery {
        if let why = load() { return .retry(why, after: nil) }
        var result = ng_http_result()
        CInput.with(r.headers, r.body) { headers, body in
            ng_http_request(r.method, r.url, headers, r.body.isEmpty ? nil : body, r.body.count,
                            Int(timeout * 1000), caFile.isEmpty ? nil : caFile, &result)
        }
        defer { ng_http_free(&result) }
        let body = result.body.map { String(cString: $0) } ?? ""
        return Delivery.of(code: result.code, error: redacted(CInput.text(result.error), r.url), status: Int(result.status), body: body,
                           retryAfter: CInput.text(result.retry_after), now: now)
    }

    /// libcurl's words may quote the URL, which can hold a token: never in a log.
    static func redacted(_ text: String, _ url: String) -> String {
        guard !url.isEmpty, let r = text.firstRange(of: url) else { return text }
        return redacted(String(text[..<r.lowerBound]) + "(the target's URL)" + String(text[r.upperBound...]), url)
    }
}

/// What the C side takes and gives: NULL-terminated lists of strings, bytes
/// as chars, and fixed char arrays (tuples) holding NUL-terminated text.
enum CInput {
    static func with<R>(_ strings: [String], _ bytes: [UInt8],
                        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<CChar>?) -> R) -> R {
        let copies = strings.map { strdup($0) } + [nil]
        defer { copies.forEach { free($0) } }
        return copies.map { $0.map { UnsafePointer<CChar>($0) } }.withUnsafeBufferPointer { list in
            bytes.withUnsafeBufferPointer { b in
                guard let base = b.baseAddress else { return body(list.baseAddress, nil) }
                return base.withMemoryRebound(to: CChar.self, capacity: b.count) { body(list.baseAddress, $0) }
            }
        }
    }

    static func text<T>(_ chars: T) -> String {
        withUnsafeBytes(of: chars) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
