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
        let fields = all.sorted { $0.key < $1.key }.map { ($0.key, $0.value, redactor.redact($0.value.description)) }
        let line: String
        switch format {
        case .text:
            let time = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
            // A message's own line breaks are kept for people, indented so that no line of it
            // can pass for a log line of its own.
            let shown = message.replacingOccurrences(of: "\n", with: "\n    ")
            var text = "\(time) \(event.level.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) \(shown)"
            for (key, _, value) in fields {
                text += " \(key)=\(Self.quoted(value))"
            }
            line = text
        case .json:
            var object: [String: Any] = [
                "time": Date().formatted(.iso8601), "level": event.level.rawValue, "message": message,
                "logger": label,
            ]
            for (key, raw, value) in fields {
                // Metadata never replaces the line's own fields: `message` from a peer's text
                // would otherwise forge what the line says.
                let name = object[key] == nil ? key : "metadata." + key
                object[name] = Self.number(raw) ?? value
            }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        sink(line)
    }

    /// A text-mode value: bare when it is one plain word, else in quotes with `"`, `\` and
    /// control characters escaped, so a value (a rule name, a peer's text) can neither end the
    /// field early nor start a new line.
    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "\\" && scalar != "="
                && !scalar.properties.isWhitespace && scalar.properties.generalCategory != .control
        }
        if plain { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.generalCategory == .control {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A number given as one (`exit.code`, counts) stays a JSON number.
    static func number(_ value: Logger.MetadataValue) -> NSNumber? {
        guard case .stringConvertible(let convertible) = value else { return nil }
        switch convertible {
        case let int as Int: return NSNumber(value: int)
        case let int as Int32: return NSNumber(value: int)
        case let int as Int64: return NSNumber(value: int)
        case let double as Double: return NSNumber(value: double)
        default: return nil
        }
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
