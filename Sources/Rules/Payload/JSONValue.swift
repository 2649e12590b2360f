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
    public var serialized: String { String(decoding: utf8, as: UTF8.self) }

    /// ``serialized`` as UTF-8 bytes, written straight into one buffer.
    public var utf8: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .string(let text):
            out.append(0x22)
            JSONEscaping.append(text, to: &out)
            out.append(0x22)
        case .number(let literal): out += literal.utf8
        case .bool(let value): out += value ? "true".utf8 : "false".utf8
        case .null: out += "null".utf8
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(0x22)
                JSONEscaping.append(member.key, to: &out)
                out += [0x22, UInt8(ascii: ":")]
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
