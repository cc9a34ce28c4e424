// nodeos's producer API (producer_api_plugin) and the chain API calls a
// producer group needs, as requests and their replies. Pure: the producer
// check sends them over HTTPExchange. The shapes, from the plugin's sources
// and swagger: pause, resume and paused answer 201; pause and resume with
// {"result":"ok"}, paused with a bare true or false; their body must be
// empty or {}. An error is {"code":…, "message":…, "error":{"what":…}}.

import TOML

public enum ProducerAPI {
    public enum Call: Equatable, Sendable {
        case pause, resume, paused, schedule, info
        /// get_block_info of one block number (a turn's blocks, counted).
        case block(UInt64)

        public var path: String {
            switch self {
            case .pause: return "/v1/producer/pause"
            case .resume: return "/v1/producer/resume"
            case .paused: return "/v1/producer/paused"
            case .schedule: return "/v1/chain/get_producer_schedule"
            case .info: return "/v1/chain/get_info"
            case .block: return "/v1/chain/get_block_info"
            }
        }

        /// The producer API takes an empty object only; get_block_info needs its number.
        public var body: [UInt8] {
            guard case .block(let n) = self else { return Array("{}".utf8) }
            return Array("{\"block_num\":\(n)}".utf8)
        }
    }

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

    /// One block as get_block_info gives it: its slot and who signed it.
    public struct Block: Equatable, Sendable {
        public var number: UInt64
        public var slot: Int64
        public var producer: String
    }

    /// A block, or nil for a number the node has no block for (past its head:
    /// "Unknown Block"); a failure for anything else.
    public static func block(_ r: HTTPResponse) -> Result<Block?, ProbeError> {
        if r.status == 400, let json = try? JSON.parse(r.text), json["error"]?["name"]?.string == "unknown_block_exception" { return .success(nil) }
        guard r.status == 200 else { return .failure(refused(r)) }
        guard let json = try? JSON.parse(r.text), let n = json["block_num"]?.number, let t = json["timestamp"]?.string,
              let time = CivilTime.parseUTC(t), let producer = json["producer"]?.string else {
            return .failure(ProbeError("HTTP \(r.status), not a get_block_info reply"))
        }
        return .success(Block(number: UInt64(n), slot: ProducerSchedule.slot(unixMs: Int64((time * 1000).rounded())), producer: producer))
    }

    /// "HTTP 400: the node's message".
    static func refused(_ r: HTTPResponse) -> ProbeError {
        ProbeError("HTTP \(r.status)" + ChainReplies.errorText(r))
    }
}
