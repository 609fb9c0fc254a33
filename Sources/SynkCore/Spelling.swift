/// The nearest of a few known words to one a user mistyped (`synkinesys` → `synkinesis`), for "did you mean"
/// hints.
public enum Spelling {
    /// The candidate closest to `word` by optimal-string-alignment distance (insertions, deletions, substitutions
    /// and transpositions of neighbours each count 1; case ignored), if it is close enough to be what the user
    /// meant: at most 1 edit for words of up to 4 letters, 2 up to 8 letters, 3 beyond. Ties go to the first
    /// candidate. A candidate that starts with `word` (an abbreviation, `synk` for `synkinesis`) counts as close.
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        let typed = Array(word.lowercased())
        guard !typed.isEmpty else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let known = Array(candidate.lowercased())
            let distance = known.starts(with: typed) && typed.count >= 3 ? 1 : editDistance(typed, known)
            let allowed = max(typed.count, known.count) <= 4 ? 1 : max(typed.count, known.count) <= 8 ? 2 : 3
            guard distance <= allowed else { continue }
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// Optimal string alignment distance (Damerau-Levenshtein restricted to adjacent transpositions).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
