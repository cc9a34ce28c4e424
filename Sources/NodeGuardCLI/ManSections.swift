// The sections of nodeguard(8) that are the program's own lists: the check
// names (the checks' readings and the names only events carry) and every
// kind of event with its MESSAGE_ID and priority. DocsMatchTests holds the
// committed page to them, so the page cannot list a name the program does
// not use, nor leave one out.
import NodeGuardKit

public enum ManSections {
    public static func checks(_ registry: CheckRegistry = .standard) -> String {
        var out = ".SH CHECKS\nEach line of the status view, and the NODEGUARD_CHECK field of each event, names one of these:\n"
        for (name, what) in registry.checkNames { out += ".TP\n.B \(name)\n\(ReferenceConfig.roff(what))\n" }
        return out
    }

    public static func events() -> String {
        var out = ".SH EVENTS\nEach kind of event: its NODEGUARD_EVENT, then its MESSAGE_ID, its priority and what it says "
        out += "(\\fBjournalctl \\-x\\fR gives the whole explanation from the catalog):\n"
        for k in EventKind.allCases {
            let p = k.defaultPriority
            out += ".TP\n.B \(ReferenceConfig.roff(k.rawValue))\n\(k.messageID), \(p.rawValue) \(p.configName): \(ReferenceConfig.roff(k.catalog.subject))\n"
        }
        return out
    }
}
