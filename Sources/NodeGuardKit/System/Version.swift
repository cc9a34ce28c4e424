public enum NodeGuardVersion {
    public static let string = "0.1.0"
}
