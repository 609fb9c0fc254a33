/// The version of synk that every result carries.
///
/// Versioning rule (see CHANGELOG.md): the minor version is raised whenever a result can change for the same
/// input and settings (a new measure, a changed method, a fixed bug that moves a number); the patch version for
/// changes that leave every result byte-identical. `synk batch --resume` redoes every result made by another
/// version, and a test (`ResultVersionTests`) fails when the results of the sample data change while this stays
/// the same.
public enum SynkVersion {
    public static let current = "0.3.0"
}
