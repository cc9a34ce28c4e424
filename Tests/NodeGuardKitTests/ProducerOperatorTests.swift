// The operator's requests as the daemon answers them, whatever state it is in.
import XCTest
@testable import NodeGuardKit

final class ProducerOperatorTests: XCTestCase {
    /// A daemon in a dry run takes the request and refuses it, saying why,
    /// instead of leaving the command to wait for an answer that never comes.
    func testADryRunRefusesTheOperatorsRequest() throws {
        let root = tempDir()
        let c = try decode("""
            state_directory = "\(root)/state"
            status_file = "\(root)/status.json"
            [bandwidth]
            enabled = false
            [node.bpa]
            unit = "bpa"
            rpc = "nodeos"
            rpc_url = "http://127.0.0.1:1/"
            [node.bpb]
            unit = "bpb"
            rpc = "nodeos"
            rpc_url = "http://127.0.0.1:2/"
            [producer.ourbp]
            nodes = ["bpa", "bpb"]
            """).get()
        let g = Guard(config: c, root: HostRoot(root), forceDryRun: true, emit: { _ in })
        FileIO.makeDirectories(ProducerRequest.directory(c.stateDirectory), mode: 0o700)
        FileIO.writeAtomically(ProducerRequest.requestFile(c.stateDirectory, account: "ourbp"), ProducerRequest(id: "7-1", command: .switch, node: "bpb").text, durable: false)
        g.runCycle()
        XCTAssertFalse(FileIO.exists(ProducerRequest.requestFile(c.stateDirectory, account: "ourbp")), "taken")
        XCTAssertEqual(FileIO.readText(ProducerRequest.outcomeFile(c.stateDirectory, account: "ourbp")),
                       "id 7-1\nrefused\nnodeguard runs with dry_run = true: it pauses, resumes and switches nothing; set dry_run = false and reload\n")
    }
}
