// nodeos's producer API (producer_api_plugin) and the chain API calls a
// producer group needs, as requests and their replies. Pure: the producer
// check sends them over HTTPExchange. The shapes, from the plugin's sources
// and swagger: pause, resume and paused answer 201; pause and resume with
// {"result":"ok"}, paused with a bare true or false; their body must be
// empty or {}. An error is {"code":…, "message":…, "error":{"what":…}}.

import TOML

public enum ProducerAPI {
    public enum Call: String, Sendable, CaseIterable {
        case pause = "/v1/producer/pause"
        case resume = "/v1/producer/resume"
        case paused = "/v1/producer/paused"
        case schedule = "/v1/chain/get_producer_schedule"
        case info = "/v1/chain/get_info"
    }

    /// Every call is a POST of an empty JSON object.
    public static let body: [UInt8] = Array("{}".utf8)

    /// Whether a pause or resume was done: the node's "ok", or why not.
    public static func acknowledged(_ r: HTTPResponse) -> Result<Void, ProbeError> {
        guard r.status == 201 || r.status == 200 else { return .failure(refused(r)) }
        guard let json = try? JSON.parse(r.text), json["result"]?.string == "ok" else {
            return .failure(ProbeError("HTTP \(r.status) without {\"result\":\"ok\"}: \(ChainReplies.excerpt(r))"))
        }
        return .success(())
    }

    /// /v1/producer/paused: true or false.
    public static func paused(_ r: HTTPResponse) -> Result<Bool, ProbeError> {
        guard r.status == 201 || r.status == 200 else { return .failure(refused(r)) }
        guard let value = (try? JSON.parse(r.text))?.bool else {
            return .failure(ProbeError("HTTP \(r.status), not true or false: \(ChainReplies.excerpt(r))"))
        }
        return .success(value)
    }

    /// get_producer_schedule's active producers, in their order.
    public static func schedule(_ r: HTTPResponse) -> Result<ProducerSchedule, ProbeError> {
        guard r.status == 200 || r.status == 201 else { return .failure(refused(r)) }
        guard let json = try? JSON.parse(r.text), let producers = json["active"]?["producers"]?.array else {
            return .failure(ProbeError("HTTP \(r.status), no active.producers in the reply"))
        }
        let names = producers.compactMap { $0["producer_name"]?.string }
        guard names.count == producers.count, !names.isEmpty else { return .failure(ProbeError("the active schedule names no producer")) }
        return .success(ProducerSchedule(names))
    }

    /// The head as get_info gives it.
    public struct Head: Equatable, Sendable {
        public var block: UInt64
        /// Unix seconds.
        public var time: Double
        public var producer: String
        public var irreversible: UInt64
        /// head_block_id: two blocks at one height are two signers (a fork).
        public var id: String = ""
    }

    public static func head(_ r: HTTPResponse) -> Result<Head, ProbeError> {
        guard r.status == 200 else { return .failure(refused(r)) }
        guard let json = try? JSON.parse(r.text), let block = json["head_block_num"]?.number,
              let t = json["head_block_time"]?.string, let time = CivilTime.parseUTC(t),
              let producer = json["head_block_producer"]?.string, let lib = json["last_irreversible_block_num"]?.number else {
            return .failure(ProbeError("HTTP \(r.status), not a get_info reply"))
        }
        return .success(Head(block: UInt64(block), time: time, producer: producer, irreversible: UInt64(lib), id: json["head_block_id"]?.string ?? ""))
    }

    /// "HTTP 400: the node's message".
    static func refused(_ r: HTTPResponse) -> ProbeError {
        ProbeError("HTTP \(r.status)" + ChainReplies.errorText(r))
    }
}
