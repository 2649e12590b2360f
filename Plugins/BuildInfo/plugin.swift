import Foundation
import PackagePlugin

/// Writes `BuildInfo+Generated.swift` into the target before each build: the git commit the
/// package is built from (`unknown` outside a git checkout), for `postwatch --version` and
/// `postwatch_build_info`. The file is rewritten only when the commit changed, so an ordinary
/// build recompiles nothing.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let file = output.appending(path: "BuildInfo+Generated.swift").path
        let script = """
            mkdir -p "$2" && \
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown) && \
            dirty=$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null | head -c1) && \
            [ -n "$dirty" ] && commit="$commit-dirty"; \
            text="/// Written by the BuildInfo plugin.
            enum GeneratedBuildInfo { static let commit = \\"$commit\\" }"; \
            [ -f "$3" ] && [ "$(cat "$3")" = "$text" ] || printf '%s\\n' "$text" > "$3"
            """
        return [
            .prebuildCommand(
                displayName: "BuildInfo: the git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path, file],
                outputFilesDirectory: output)
        ]
    }
}
