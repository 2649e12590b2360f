import Foundation

/// Runs the built `postwatch` executable, for end-to-end tests.
///
/// The binary sits next to the test bundle in SwiftPM's build folder (`swift build --build-tests`
/// builds it with the tests).
public struct PostwatchBinary: Sendable {
    /// What a finished run printed and returned.
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// stdout and stderr together, for "no secret anywhere" checks.
        public var output: String { stdout + stderr }
    }

    public let path: String

    public init() throws {
        let candidates = [
            CommandLine.arguments.first.map { URL(fileURLWithPath: $0).deletingLastPathComponent() },
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ].compactMap { $0 }
        for folder in candidates {
            for name in ["postwatch", "../postwatch"] {
                let path = folder.appendingPathComponent(name).standardizedFileURL.path
                if FileManager.default.isExecutableFile(atPath: path) {
                    self.path = path
                    return
                }
            }
        }
        throw TestSupportError("the postwatch binary is not built next to the tests (run `swift build --build-tests`)")
    }

    /// Starts `postwatch ARGS…` with exactly `environment` (plus PATH and HOME).
    public func start(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws
        -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = environment
        let inherited = ProcessInfo.processInfo.environment
        env["PATH"] = env["PATH"] ?? inherited["PATH"]
        env["HOME"] = env["HOME"] ?? inherited["HOME"]
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        return process
    }

    /// Runs to completion (killed after `timeout`) and returns what it printed.
    public func run(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Result {
        let process = try start(arguments, environment: environment, directory: directory)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let stdout = Collector(out.fileHandleForReading)
        let stderr = Collector(err.fileHandleForReading)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw TestSupportError("postwatch \(arguments.joined(separator: " ")) did not finish within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: stdout.finish(), stderr: stderr.finish())
    }
}

/// Reads a pipe to its end on a background thread (a full pipe would block the child).
final class Collector: @unchecked Sendable {
    // Safe: `data` is written by the reading thread only, and read after `done` is signalled.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A fixture that could not do its job.
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
