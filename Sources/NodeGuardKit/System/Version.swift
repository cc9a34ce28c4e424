public enum NodeGuardVersion {
    public static let string = "0.2.0~dev1"
    /// The release date, shown in the man pages; kept with the version (and
    /// packaging/debian/changelog) so generated files are reproducible.
    public static let date = "2026-11-22"
}
