/// The version of synk that every result carries.
public enum SynkVersion {
    public static let current = "0.1.0"
}
