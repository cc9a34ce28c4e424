/// "did you mean" for unknown keys: the nearest name by edit distance.
public enum Suggest {
    public static func nearest(_ word: String, among candidates: [String]) -> String? {
        // The distance is at least the difference in length: a word far
        // longer than every name (a key 1 MiB long) is compared with none.
        let longest = candidates.map(\.count).max() ?? 0
        guard word.utf8.count <= 3 * longest + 3 else { return nil }
        let w = Array(word.lowercased())
        // Close enough to be a typo, not a different word.
        let allowed = max(2, w.count / 3)
        var best: (String, Int)? = nil
        for c in candidates where abs(c.count - w.count) <= allowed {
            let d = distance(w, Array(c.lowercased()))
            if d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        guard let (name, d) = best else { return nil }
        return d <= allowed ? name : nil
    }

    /// For a container or unit: the typo's nearest name, else the shortest
    /// name holding it ("dmo" -> "dmo-node", compose's "project-dmo-1").
    public static func nearestName(_ word: String, among names: [String]) -> String? {
        if let near = nearest(word, among: names) { return near }
        guard word.count >= 3 else { return nil }
        let w = word.lowercased()
        return names.filter { $0.lowercased().contains(w) }.min { $0.count < $1.count }
    }

    /// Damerau-Levenshtein (optimal string alignment): a swap of two letters costs 1.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
