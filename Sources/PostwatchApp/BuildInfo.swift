/// What this binary is: its version and the git commit it was built from.
public enum BuildInfo {
    /// The release this source tree is.
    public static let version = "0.9.0"
    /// The commit (`-dirty` with uncommitted changes, `unknown` outside a git checkout).
    public static var commit: String { GeneratedBuildInfo.commit }
    /// `postwatch 0.9.0 (commit 1a2b3c4d5e6f)`.
    public static var description: String { "postwatch \(version) (commit \(commit))" }
}
