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
        return ng_http_load(&why, why.count) == 0 ? nil : String(cString: why)
    }

    public static func send(_ r: HTTPRequest, timeout: Double, caFile: String, now: Double) -> Delivery {
        if let why = load() { return .retry(why, after: nil) }
        var result = ng_http_result()
        let headers = r.headers.map { strdup($0) } + [nil]
        defer { headers.forEach { free($0) } }
        headers.map { $0.map { UnsafePointer<CChar>($0) } }.withUnsafeBufferPointer { hp in
            r.body.withUnsafeBufferPointer { bp in
                bp.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(bp.count, 1)) { body in
                    ng_http_request(r.method, r.url, hp.baseAddress, r.body.isEmpty ? nil : body, r.body.count,
                                    Int(timeout * 1000), caFile.isEmpty ? nil : caFile, &result)
                }
            }
        }
        defer { ng_http_free(&result) }
        let error = withUnsafeBytes(of: result.error) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        let retryAfter = withUnsafeBytes(of: result.retry_after) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        let body = result.body.map { String(cString: $0) } ?? ""
        return Delivery.of(code: result.code, error: redacted(error, r.url), status: Int(result.status), body: body,
                           retryAfter: retryAfter, now: now)
    }

    /// libcurl's words may quote the URL, which can hold a token: never in a log.
    static func redacted(_ text: String, _ url: String) -> String {
        guard !url.isEmpty, let r = text.firstRange(of: url) else { return text }
        return redacted(String(text[..<r.lowerBound]) + "(the target's URL)" + String(text[r.upperBound...]), url)
    }
}
