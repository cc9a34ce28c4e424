// Every decision nodeguard logs is an Event of one kind. Each kind has one
// fixed MESSAGE_ID, as systemd's own messages do, so that
// `journalctl MESSAGE_ID=...` finds every restart and the catalog explains it.

public enum Priority: Int, Sendable, Comparable {
    case crit = 2, err = 3, warning = 4, notice = 5, info = 6
    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
    public var label: String {
        switch self {
        case .crit: return "CRIT"
        case .err: return "ERROR"
        case .warning: return "WARNING"
        case .notice: return "NOTICE"
        case .info: return "INFO"
        }
    }
}

public enum EventKind: String, CaseIterable, Sendable {
    case started, defaults, reloaded, reloadRejected = "reload_rejected", stopping, configWarning = "config_warning"
    case warning, critical, recovered
    case leakTrend = "leak_trend"
    case restart, restartFailed = "restart_failed", restartDryRun = "restart_dry_run", restartDone = "restart_done"
    case restartLimit = "restart_limit", restartRearmed = "restart_rearmed", restartWithheld = "restart_withheld"
    case probeFailed = "probe_failed"
    case bandwidthWarning = "bandwidth_warning", bandwidthAction = "bandwidth_action", bandwidthMonth = "bandwidth_month"
    case counterAnomaly = "counter_anomaly", clockStep = "clock_step", stateCorrupt = "state_corrupt"
    case logPruned = "log_pruned", journalVacuumed = "journal_vacuumed"
    case nodeDown = "node_down", nodeUp = "node_up", stateMigrated = "state_migrated", nodeNeedsReplay = "node_needs_replay"
    case dockerUnreachable = "docker_unreachable", dockerBack = "docker_back"
    case chainDown = "chain_down", chainStalled = "chain_stalled", chainBehind = "chain_behind"
    case chainIsolated = "chain_isolated", chainRecovered = "chain_recovered", rpcCredentials = "rpc_credentials"
    case notifyHeldBack = "notify_held_back", notifyRefused = "notify_refused", notifyDropped = "notify_dropped", notifyTest = "notify_test"
    case notifyDelayed = "notify_delayed"
    case producerSwitched = "producer_switched", producerResumed = "producer_resumed", producerFenced = "producer_fenced"
    case producersTwo = "producer_two_producing", producerNoStandby = "producer_no_standby", producerTurnMissed = "producer_turn_missed"
    case producerUnpaused = "producer_member_unpaused", producerOperator = "producer_operator"
    case producerLeaseTaken = "producer_lease_taken", producerLeaseLate = "producer_lease_late"
    case producerLeaseLost = "producer_lease_lost", producerLeaseWaiting = "producer_lease_waiting"

    public var messageID: String {
        switch self {
        case .started: return "8f249f360d314df69cf94e33004ac2b2"
        case .defaults: return "1934e6a4584a4000b1c29e5e50778f2e"
        case .reloaded: return "41a4a61188e0419e90666e50119c9b0b"
        case .reloadRejected: return "3b4b492290f743e68a66f237746d271a"
        case .stopping: return "48f2f1916df14df89aac2ccbe7beed69"
        case .configWarning: return "daedcc912f1b4c50bb1779c1bfbf9ce5"
        case .warning: return "42001f2df43c46e1aa3af6142b3a040b"
        case .critical: return "4cda648f43bf4306ba889a83f7f916a5"
        case .recovered: return "3c3660ef50854ad2a02b545c76cc4871"
        case .leakTrend: return "188fe87aaa764d15a19256e13758b8d7"
        case .restart: return "50ac5179c11e4f589dfed22f8847be19"
        case .restartFailed: return "236264474c114bb4a3104231e9f07e39"
        case .restartDone: return "15ef3d89d64d4936913364a70188f0e5"
        case .restartDryRun: return "fb698e05d9fc45e2ae37c5b7b5828daf"
        case .restartLimit: return "415e70130db34c4cb38450479b5fc4e0"
        case .restartRearmed: return "95180b922f4145618523c7a07938bc38"
        case .restartWithheld: return "6563e8a208cb471d82f2600035ebcbc9"
        case .probeFailed: return "52182ba56f6b412098419b3cd9a10955"
        case .bandwidthWarning: return "9cbb0c7f981a4ddb8ba02b04c7a9aebd"
        case .bandwidthAction: return "abe4ccd0cb084044964a6347420bebf4"
        case .bandwidthMonth: return "b11a576af300479aafd96209c5f550b5"
        case .counterAnomaly: return "6a3056dc18ca4a9f96a93656bad51512"
        case .clockStep: return "9f563e385e42420f93a36efef81a0b8b"
        case .stateCorrupt: return "ea1338329a8f489f85585fc7c217138e"
        case .logPruned: return "141412cc55eb4cf69a5b2f1319c86ddd"
        case .journalVacuumed: return "9e1c4302e7dd47b2b5ef1b683bf95d51"
        case .nodeDown: return "f913902f7f7240e6910b822a69aef43d"
        case .nodeNeedsReplay: return "5498eb179053487f93cfb910f4bf07b5"
        case .nodeUp: return "0de7a593b46243448c0461509a0b1e31"
        case .stateMigrated: return "1419abb6ff814a719dba82e4e05c91da"
        case .dockerUnreachable: return "8b597a9372024b1cb61f131e1b04cc43"
        case .dockerBack: return "71ffb087c5404a42b85de00e2cf70bc3"
        case .chainDown: return "f88936de4fb54ca59fad7e1226faaa82"
        case .chainStalled: return "1f4a9af72ffe43b7adaab014b074d907"
        case .chainBehind: return "641b0b809ce940538ae9e6c853748183"
        case .chainIsolated: return "f9bb01d7866c4524ab7a558022c697ec"
        case .chainRecovered: return "a0d61aeb5f7649ea8ad9cbc3990576c3"
        case .rpcCredentials: return "9f31fbdd8b7e4b8685bb7527dd45724c"
        case .notifyHeldBack: return "09ced22118ad4f60a4c37bc95d0e84c6"
        case .notifyRefused: return "7e112a58a4064560861360f6b42cf92f"
        case .notifyDropped: return "801f0001d8b546cea6bd29cfc1752411"
        case .notifyTest: return "05dd886e566942739a60dfe98d1fcbd9"
        case .notifyDelayed: return "640a3c11c5b74cc7bab0ff9d1fb33038"
        case .producerSwitched: return "1ad8be5e145045cbb998190d9b8ca688"
        case .producerResumed: return "95aa23b6aedd420b83b1157adc3a1405"
        case .producerFenced: return "dc6a664bb09a41f389795581fb03781d"
        case .producersTwo: return "8b10c58c38624c5da619366c2783f9f0"
        case .producerNoStandby: return "b84b264f40e641498303097bad2c0128"
        case .producerTurnMissed: return "4345c2c5bad24050bd32d57b85d96dbf"
        case .producerUnpaused: return "b7d0e1f70d3f4cc0944154a3fe90ea1e"
        case .producerOperator: return "98c4d06e3c884ae094837b5416f1101e"
        case .producerLeaseTaken: return "e8ed7b79fc254947bbfd9ba2ad9eb9bd"
        case .producerLeaseLate: return "58c1100839004e3e98d1b83c5f252cc0"
        case .producerLeaseLost: return "7f6b30284650446eb455214c641b0575"
        case .producerLeaseWaiting: return "7394f5d39b9940b7b4d68f0cf22b00a9"
        }
    }

    /// For the journal catalog: a subject and what the operator should know.
    public var catalog: (subject: String, body: String) {
        switch self {
        case .started: return ("nodeguard started", "nodeguard loaded its configuration, completed its first check cycle and told systemd it is ready. The message summarises the configuration in force.")
        case .defaults: return ("nodeguard runs on its embedded defaults", "No configuration file was found at the default path, so nodeguard uses its embedded defaults, which fit a 2 GB VPS. Without a [node] section only host checks run and nothing is restarted. Write /etc/nodeguard/nodeguard.toml (see nodeguard.toml(5)) and run `systemctl reload nodeguard`.")
        case .reloaded: return ("nodeguard configuration reloaded", "nodeguard re-read its configuration on SIGHUP (systemctl reload nodeguard) and the new one is in force. The message lists each key that changed, old -> new.")
        case .reloadRejected: return ("nodeguard rejected a new configuration", "On reload the configuration file had errors, listed in the message as FILE:LINE:COLUMN: problem. The previous configuration stays in force. Fix the file, check it with `nodeguard config check`, and reload again.")
        case .configWarning: return ("The configuration is valid but does not do what it seems to", "A key's value conflicts with another key's default on this host: a warn_above set as a share of RAM at or above a restart_above set as a size (or the reverse), so the warning can never come before the restart. The message gives the file, line and column of the key that was set, both values on this host and a value that fits. `nodeguard config check` says the same.")
        case .stopping: return ("nodeguard stopping", "nodeguard received SIGTERM and exits; the restart history is saved.")
        case .warning: return ("A check crossed its warning threshold", "NODEGUARD_CHECK names the check (node_memory, host_memory, disk_free, disk_inodes), NODEGUARD_VALUE the value, NODEGUARD_THRESHOLD the threshold. Nothing is changed yet; look at what is using the resource.")
        case .critical: return ("A check crossed its critical threshold", "The check named in NODEGUARD_CHECK is critical. For a disk, nodeguard has already done what it can to reclaim space; free space by hand now, or the node's database may be corrupted when the disk fills.")
        case .recovered: return ("A check is back to normal", "The value named in NODEGUARD_CHECK came back past its threshold by the hysteresis margin. The earlier warning no longer applies.")
        case .leakTrend: return ("The node's memory grows steadily", "A linear fit of the node's resident anonymous memory over memory.trend_window shows steady growth. NODEGUARD_SLOPE is the growth per hour and NODEGUARD_PROJECTION the estimated time until memory.restart_above is reached, when nodeguard will restart the node. This is an early warning of a memory leak.")
        case .restart: return ("nodeguard restarted the node", "The node's memory (or the host's available memory) stayed past its threshold for the configured time, so nodeguard asked for a restart. NODEGUARD_ACTION=restart, NODEGUARD_TARGET names the node, NODEGUARD_OUTCOME what systemd or the command answered (the queued job for a unit). Memory rules now wait for node.grace.")
        case .restartFailed: return ("nodeguard could not restart the node", "The restart request failed; the message carries the D-Bus error name and message or the command's exit status. Check the unit or command named in NODEGUARD_TARGET. The attempt counts against node.max_restarts.")
        case .restartDone: return ("A slow restart of the node finished", "A restart that was still running at the end of the cycle that decided it (a restart_command, a container's restart, the wait before then_restart) finished; NODEGUARD_OUTCOME says how, and the message how long it took. nodeguard kept running every other check meanwhile. A restart that failed is said as restart_failed instead.")
        case .restartDryRun: return ("nodeguard would have restarted the node (dry run)", "Dry run is on (--dry-run or dry_run = true): nodeguard decided to restart the node and changed nothing. The policy (grace, max_restarts) is applied as if the restart had happened.")
        case .restartLimit: return ("nodeguard stopped restarting the node", "The node was restarted node.max_restarts times within node.restart_window. Restarting it more would only hide the problem, so nodeguard keeps watching and logging but restarts nothing until the window has passed. Look at the node: a restart does not fix its memory growth.")
        case .restartWithheld: return ("nodeguard would restart the node, but its restart limit holds", "A check of the node named in NODEGUARD_NODE (NODEGUARD_CHECK) reached the point where it restarts the node, but the node was already restarted max_restarts times within restart_window. Nothing is restarted; the message says when restarting re-arms. Said once per check while the limit holds.")
        case .restartRearmed: return ("nodeguard may restart the node again", "The restart window has passed since the restart limit was reached; memory rules may restart the node again.")
        case .probeFailed: return ("A check cannot read its data", "A probe could not read what it measures (the message names the path or unit and what to do). The other checks keep running; this one recovers by itself when the data is back.")
        case .bandwidthWarning: return ("This month's traffic passed the warning share of the quota", "The billing month's traffic (NODEGUARD_VALUE bytes, counted as bandwidth.count says) passed bandwidth.warn_at of bandwidth.quota (NODEGUARD_THRESHOLD). NODEGUARD_PROJECTION is the month-end estimate. Logged once per billing month.")
        case .bandwidthAction: return ("nodeguard acted on the bandwidth quota", "This month's traffic passed bandwidth.action_at of the quota and nodeguard ran bandwidth.action (NODEGUARD_ACTION: stop-node, restart-node or a command); NODEGUARD_OUTCOME says how it went. Logged once per billing month; the next month re-arms it. A stopped node stays stopped until you start it.")
        case .bandwidthMonth: return ("A billing month closed", "The billing month that started on the date in NODEGUARD_TARGET ended; NODEGUARD_VALUE is its total (as bandwidth.count counts), the message gives rx and tx. The quota warning and action are re-armed for the new month.")
        case .counterAnomaly: return ("An interface counter jumped", "A traffic counter went backwards without a reboot (interface re-created, driver reset: counted again from zero), wrapped at 32 bits, or grew by more than the link could carry in the time (discarded). The message names the interface and what was counted.")
        case .clockStep: return ("The wall clock stepped", "The wall clock moved differently from the boot clock (NTP, a manual date change). Traffic is counted once, from the counters; it is booked to the current billing month, which never goes back.")
        case .logPruned: return ("nodeguard pruned a Docker log", "A container's json-file logs were over [docker_logs] max_per_container or max_total, or the disk reached critical. NODEGUARD_ACTION=delete-rotation deleted a closed rotation; NODEGUARD_ACTION=truncate cut the head of the active log in place, keeping its last half of max_per_container (or emptied it, where the filesystem cannot cut a file's head: the message says so). dockerd goes on writing at the end, but `docker logs -f` followers keep their old offset and must reconnect. NODEGUARD_TARGET is the file, NODEGUARD_VALUE the bytes freed. The first prune of a container is said in full; later ones are summarised at most once an hour (NODEGUARD_ACTION=summary, NODEGUARD_COUNT prunes). To stop this for good, set log-opts max-size and max-file in /etc/docker/daemon.json and recreate the containers (see `nodeguard doctor`).")
        case .journalVacuumed: return ("nodeguard vacuumed the journal", "journald's files took more than [journal] max_use (or the disk reached critical), so nodeguard ran `journalctl --rotate` and `journalctl --vacuum-size`. NODEGUARD_VALUE is the bytes freed. Setting SystemMaxUse in journald.conf keeps the journal small by itself.")
        case .nodeNeedsReplay: return ("A nodeos node needs a replay or a snapshot", "The nodeos node in NODEGUARD_NODE exited at start with \"database dirty flag set\" (its own last words are in NODEGUARD_REASON, from its unit's journal or its container's log): its chain state was left by a kill (SIGKILL, the OOM killer, a power cut) and nodeos will not open it. Restarting it again does not help, so nodeguard does not start or restart it until it runs again. Start it once with --replay-blockchain (or --hard-replay-blockchain), or from a snapshot (--snapshot, after deleting the state directory). In its unit, RestartPreventExitStatus=2 keeps systemd from restarting it in a loop too (nodeos exits with status 2 here).")
        case .nodeDown: return ("A node is not running", "The node named in NODEGUARD_NODE is not running: its unit is inactive or failed, its container exited, or its pidfile's process is gone. Said once; a NOTICE follows when it runs again. With start_when_down = true in its [node.NAME] table nodeguard starts it, within the node's restart budget (max_restarts per restart_window).")
        case .dockerUnreachable: return ("Docker does not answer", "The Docker Engine API socket in NODEGUARD_TARGET refused or did not answer, so the container nodes behind it can be neither read nor restarted. The other checks keep running and nodeguard asks again every cycle; a NOTICE follows when Docker answers again. `systemctl status docker` says why it stopped.")
        case .dockerBack: return ("Docker answers again", "The Docker Engine API socket in NODEGUARD_TARGET answers again. Containers Docker did not start again by their restart policy are then reported as node_down.")
        case .nodeUp: return ("A node runs again", "The node named in NODEGUARD_NODE, reported not running before, runs again.")
        case .stateMigrated: return ("nodeguard moved an older state file to the current layout", "The restart history of nodeguard 0.1.0 (state_directory/state) was moved to the node's own file (state_directory/nodes/NAME, NAME in NODEGUARD_NODE), so the node keeps its restart budget across the upgrade.")
        case .chainDown: return ("A node's RPC does not answer", "The node named in NODEGUARD_NODE runs, but its RPC (the node's rpc_url) refused, failed or gave no answer within rpc_timeout for down_after; the message gives the last error. nodeguard restarts the node through its restart budget; no liveness restart happens within startup_grace of a start.")
        case .chainStalled: return ("A node no longer follows its chain", "The height of the node named in NODEGUARD_NODE (NODEGUARD_HEIGHT) has not changed for stalled_after while its RPC answered: lost peers, a stalled sync, a wedged node. nodeguard restarts it through its restart budget. A sync or a replay is never a stall while the height advances.")
        case .chainBehind: return ("A node is behind its reference", "The node named in NODEGUARD_NODE is NODEGUARD_LAG blocks behind its reference (another node of the same chain, or its own header chain). When it stays behind for behind_for without catching up and is not syncing, nodeguard restarts it.")
        case .chainIsolated: return ("A node has no peers", "The node named in NODEGUARD_NODE has had no peers for isolated_after. nodeguard restarts nothing for this: look at its network, its firewall and its connect= or seed settings. A NOTICE follows when it has peers again.")
        case .chainRecovered: return ("A node follows its chain again", "The node named in NODEGUARD_NODE answers again, or its height advances again, or it caught up with its reference; the message says how long it took since the problem was found.")
        case .rpcCredentials: return ("nodeguard cannot authenticate to a node's RPC", "The node's RPC refused nodeguard's credentials, or the cookie or password file cannot be read; the message names the source (never the secret). The node is not restarted for this: a restart does not fix a wrong password. Fix rpc_cookie, rpc_user or rpc_password_file and run `systemctl reload nodeguard`.")
        case .notifyHeldBack: return ("Notifications were held back", "More messages than the target's max_per_hour were due within an hour (a flapping node, a storm of events). The ones over the cap were not sent; this message, sent to the target at the end of that hour, counts them by kind. The journal has each event in full.")
        case .notifyRefused: return ("A notification target refused a message", "The server named in NODEGUARD_TARGET answered with an HTTP 4xx other than 429 (or the sendmail or command target exited with a status other than 0 and 75, EX_TEMPFAIL), which retrying does not fix: a wrong URL or token, a removed webhook, a chat the bot is not in. The message gives the server's answer. Fix the [[notify]] table or its url_file or token_file, then run `nodeguard notify test`. Said once per target until a message gets through again.")
        case .notifyDropped: return ("A notification was dropped", "A message to the target in NODEGUARD_TARGET could not be delivered within its give_up_after (network down, the service failing), or its target is no longer in the config. The message names what was dropped; the events themselves are in the journal.")
        case .notifyDelayed: return ("A notification could not be sent yet", "The message to the target in NODEGUARD_TARGET could not be delivered (no route, DNS, TLS, a timeout, HTTP 429 or 5xx; the message gives libcurl's or the server's words). It stays in state_directory/outbox and is retried, 10 s doubling to 10 min, or when the server's Retry-After says, until give_up_after. Said once per outage; a NOTICE follows when the target takes messages again.")
        case .notifyTest: return ("A test notification", "Sent by `nodeguard notify test` to check that a [[notify]] target works.")
        case .producerSwitched: return ("Production moves to another member", "The member producing for the account in NODEGUARD_ACCOUNT can no longer produce (NODEGUARD_REASON: its process gone, its chain API silent for down_after, its head older than max_lag, or our turn missed whole while it should have been producing), so nodeguard moves production to NODEGUARD_NODE, the first healthy standby in the group's order. The old member is paused (or fenced) before the new one is resumed; producer_resumed follows. NODEGUARD_MISSED is the blocks of ours missed so far in the turns judged since the last one with none missed. There is no automatic fail-back.")
        case .producerResumed: return ("nodeguard resumed a producing member", "Every other member of the group was confirmed paused (nodeguard's own pause answered ok and paused then read true) or its process is gone, so nodeguard resumed NODEGUARD_NODE: it produces for NODEGUARD_ACCOUNT now. NODEGUARD_FROM names the member it replaced, if any.")
        case .producerFenced: return ("nodeguard stops a member it cannot confirm paused", "A member of the producer group in NODEGUARD_ACCOUNT runs but could not be confirmed paused (its producer API silent, refusing or timing out for fence_after, or it signs our blocks while it should be paused; NODEGUARD_REASON) while another member is to be resumed. nodeguard stops its process through its unit, container or pidfile (gracefully, SIGKILL after stop_timeout) before resuming anyone: two members producing sign the same slots. A second message says whether the process is gone. A fenced member stays stopped until you start it.")
        case .producersTwo: return ("Two members of a producer group are unpaused", "More than one member of the group in NODEGUARD_ACCOUNT answered paused = false: if both hold the key, both sign our slots (double production: forks, penalties). nodeguard pauses all but the one it chooses within this cycle. Seen at start when the nodes were started without pause-on-startup, or after a member restarted.")
        case .producerNoStandby: return ("No member of a producer group can produce", "Production of NODEGUARD_ACCOUNT should move (or start), but no member is healthy: the message names each member's reason (process not running, chain API not answering, head older than max_lag). Nothing is resumed until one is. Said again if resuming a member fails.")
        case .producerTurnMissed: return ("Our producer account missed blocks", "The chain moved past a turn of the account in NODEGUARD_ACCOUNT, and NODEGUARD_MISSED of its slots hold no block of ours: counted on the chain (get_block_info of each block in the turn), from the member with the latest head. NODEGUARD_NODE was the member chosen to produce. A turn missed whole while it should have been producing moves production to a healthy standby; a few blocks missed at a failover or a late handover are said and counted only. Not said while the operator has the group paused (the blocks are still counted in nodeguard_producer_blocks_missed_total).")
        case .producerUnpaused: return ("A member came back unpaused", "A member nodeguard had paused (NODEGUARD_NODE) answered paused = false: its nodeos restarted, and without pause-on-startup a restarted nodeos produces at once. nodeguard paused it again. Run every member with pause-on-startup (nodeos -x, or pause-on-startup = true in config.ini) so a restart never makes it produce.")
        case .producerLeaseTaken: return ("This host holds a producer group's lease", "A producer group across hosts (lease in [producer.NODEGUARD_ACCOUNT]): this host took the lease key in etcd, which nobody held (etcd let the last holder's lease expire, or it was revoked), or found it still its own after nodeguard restarted. NODEGUARD_TOKEN is the key's create_revision, the fencing token; it only grows. Taken afresh, a member is resumed here only once this host's view of the chain shows a turn of ours missed whole: the last holder's member may still produce.")
        case .producerLeaseLate: return ("A producer group's lease could not be renewed", "This host holds the lease of the producer group NODEGUARD_ACCOUNT but etcd did not acknowledge a renewal (unreachable, no quorum, or it refused; the message says which, and how long is left). nodeguard asks again every cycle; if no renewal is acknowledged by the deadline (the last acknowledged renewal's send time + lease_ttl - a margin), it pauses its members (producer_lease_lost). Said once while it lasts; as an ERROR naming the user when etcd refuses the credentials.")
        case .producerLeaseLost: return ("This host lost a producer group's lease and stops producing", "No renewal of the lease of NODEGUARD_ACCOUNT was acknowledged by its deadline, or etcd says the lease is gone. NODEGUARD_REASON: unreachable (no etcd endpoint could be connected to: the network, or etcd down), quorum (etcd took the renewal and could not do it: no quorum, or overloaded), credentials, or revoked (the lease is gone in etcd); released when this host let it go for a planned switch. Another host may take the key as soon as etcd lets the lease expire, so this host pauses its members at once (fencing one that cannot be confirmed paused): safety over production. It stays a standby; it does not take the lease back by itself.")
        case .producerLeaseWaiting: return ("A standby holds the lease but our blocks still arrive", "This host took the lease of NODEGUARD_ACCOUNT, but its view of the chain still shows blocks of ours: a member on another host still produces (its nodeguard frozen, or cut off from etcd without pausing it). Nothing is resumed here until a turn of ours is missed whole, so two hosts never sign the same slots. Look at the other host.")
        case .producerOperator: return ("The operator switched, paused or resumed a producer group", "`nodeguard producer switch`, `pause` or `resume` (NODEGUARD_ACTION) asked the daemon to move production of NODEGUARD_ACCOUNT to NODEGUARD_NODE between our turns, to pause every member (nodeguard then resumes none, whatever fails, until `resume`: maintenance, a key rotation), or to produce again. The command prints the outcome; a pause holds across restarts of nodeguard.")
        case .stateCorrupt: return ("A state file could not be read", "nodeguard found its state file (NODEGUARD_TARGET) corrupt or truncated, moved it aside with a .corrupt suffix and started afresh. Totals before this point are in the moved file.")
        }
    }

    public var defaultPriority: Priority {
        switch self {
        case .started, .reloaded, .stopping, .restartDone: return .info
        case .defaults, .recovered, .restartDryRun, .restartRearmed, .restart: return .notice
        case .warning, .leakTrend, .bandwidthWarning, .counterAnomaly, .clockStep: return .warning
        case .bandwidthMonth, .logPruned, .journalVacuumed, .nodeUp, .stateMigrated: return .notice
        case .nodeDown, .chainDown, .rpcCredentials, .dockerUnreachable: return .err
        case .nodeNeedsReplay: return .crit
        case .restartWithheld, .configWarning: return .warning
        case .dockerBack: return .notice
        case .chainStalled, .chainBehind, .chainIsolated: return .warning
        case .chainRecovered: return .notice
        case .bandwidthAction, .stateCorrupt: return .err
        case .reloadRejected, .restartFailed, .probeFailed: return .err
        case .critical, .restartLimit: return .crit
        case .notifyHeldBack, .notifyDelayed: return .warning
        case .notifyRefused, .notifyDropped: return .err
        case .notifyTest: return .notice
        case .producerSwitched, .producerTurnMissed, .producerUnpaused: return .warning
        case .producerResumed, .producerOperator, .producerLeaseTaken: return .notice
        case .producerLeaseLate, .producerLeaseWaiting: return .warning
        case .producerLeaseLost: return .crit
        case .producerFenced: return .err
        case .producersTwo, .producerNoStandby: return .crit
        }
    }
}

public struct Event: Equatable, Sendable {
    public var kind: EventKind
    public var priority: Priority
    public var message: String
    /// NODEGUARD_* fields without the prefix: NODE, CHECK, VALUE, THRESHOLD, ACTION, TARGET, ...
    public var fields: [(String, String)]
    /// When it was decided (wall): a cycle's time, or the moment a reload
    /// or a sink said it; every sink shows this time. nil until then.
    public var time: Double?

    public init(_ kind: EventKind, _ message: String, priority: Priority? = nil, fields: [(String, String)] = []) {
        self.kind = kind
        self.message = message
        self.priority = priority ?? kind.defaultPriority
        self.fields = fields
    }

    public func field(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    public static func == (a: Event, b: Event) -> Bool {
        a.kind == b.kind && a.priority == b.priority && a.message == b.message
            && a.fields.map(\.0) == b.fields.map(\.0) && a.fields.map(\.1) == b.fields.map(\.1)
    }

    /// The journal catalog for every kind, in journalctl's catalog format.
    public static func catalogText() -> String {
        var out = "# nodeguard journal catalog: explains each MESSAGE_ID for `journalctl -x`.\n"
        for k in EventKind.allCases {
            let c = k.catalog
            out += "\n-- \(k.messageID)\nSubject: \(c.subject)\nDefined-By: nodeguard\nDocumentation: man:nodeguard(8)\n\n\(c.body)\n"
        }
        return out
    }
}
