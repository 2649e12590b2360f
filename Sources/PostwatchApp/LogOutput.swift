import Foundation
import Logging
import Redaction
import Synchronization

/// How log lines look: human text on a terminal, one JSON object per line for log shippers.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// postwatch's log handler: writes to stderr as text or JSON, with every secret redacted.
public struct PostwatchLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level

    private let label: String
    private let format: LogFormat
    /// nil: ``Redactor/process`` as it is when each line is written (it learns the channels'
    /// secrets after the handler is installed).
    private let redactor: Redactor?
    private let sink: @Sendable (String) -> Void

    public init(
        label: String, format: LogFormat, level: Logger.Level, redactor: Redactor? = nil,
        sink: @escaping @Sendable (String) -> Void = PostwatchLogHandler.standardError
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.redactor = redactor
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let redactor = self.redactor ?? .process
        let message = redactor.redact(event.message.description)
        let fields = all.sorted { $0.key < $1.key }.map { ($0.key, redactor.redact($0.value.description)) }
        let line: String
        switch format {
        case .text:
            let time = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
            var text = "\(time) \(event.level.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) \(message)"
            for (key, value) in fields {
                text += " \(key)=\(value.contains(" ") ? "\"\(value)\"" : value)"
            }
            line = text
        case .json:
            var object: [String: String] = [
                "time": Date().formatted(.iso8601), "level": event.level.rawValue, "message": message,
                "logger": label,
            ]
            for (key, value) in fields { object[key] = value }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        sink(line)
    }

    /// Writes a line to standard error.
    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Installs the handler for the whole process (once, at start).
    public static func bootstrap(format: LogFormat, level: Logger.Level, redactor: Redactor? = nil) {
        installedFormat.withLock { $0 = format }
        LoggingSystem.bootstrap { label in
            PostwatchLogHandler(label: label, format: format, level: level, redactor: redactor)
        }
    }
}

/// The format `bootstrap` installed; nil before (an error in the flags themselves).
private let installedFormat = Mutex<LogFormat?>(nil)

extension PostwatchLogHandler {
    /// The log format of this process, once the handler is installed.
    public static var bootstrappedFormat: LogFormat? { installedFormat.withLock { $0 } }
}
