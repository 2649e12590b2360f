/// A JSON value as postwatch reads and writes it for webhook templates: objects keep their key
/// order and numbers their literal text, so a value serialised again is the text it was read from
/// (`{{json(post)}}` inserts exactly what the document holds).
public enum JSONValue: Sendable, Hashable {
    case string(String)
    /// The number's literal text (`1042`, `-0.5e3`), never re-formatted.
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// Keys in the order written.
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(serialized)
    }

    /// The member `key` of an object (nil for anything else or a missing key).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Compact JSON text: strings escaped by ``JSONEscaping``, numbers as read.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .string(let text):
            out += "\""
            out += JSONEscaping.escape(text)
            out += "\""
        case .number(let literal): out += literal
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                out += "\"" + JSONEscaping.escape(member.key) + "\":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }
}
