import Foundation

/// Literals, so that a channel's payload reads as the JSON it is:
/// `["type": "section", "text": ["type": "mrkdwn", "text": .string(text)]]`. A dictionary
/// literal keeps its keys in the order written, as ``JSONValue/object(_:)`` does.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }

    /// An integer as a JSON number.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// The members of `members` whose value is not nil, in order: an optional field is left out
    /// of the object rather than written as `null`.
    public static func object(dropping members: KeyValuePairs<String, JSONValue?>) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key: key, value: $0) } })
    }

    /// The compact JSON text as UTF-8: a request body.
    public var data: Data { Data(utf8) }
}
