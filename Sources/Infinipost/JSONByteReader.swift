import Foundation

/// A cursor over the UTF-8 bytes of a JSON document (RFC 8259) for hand-written readers such as
/// `PostsPageParser`: it checks the grammar as it goes and builds only the values asked for.
///
/// It is stricter than `JSONDecoder`, which takes `01`, `1.`, `-`, trailing commas and a byte-order
/// mark, and does not look inside the strings of values nobody decodes. A reader that fails falls back to
/// `JSONDecoder`, so refusing too much costs time, never a different answer; accepting a document
/// `JSONDecoder` refuses would.
struct JSONByteReader {
    /// The document breaks the grammar here, or holds something this reader does not handle.
    struct Malformed: Error {
        /// Byte offset where reading stopped.
        var offset: Int
    }

    /// A string as written in the document: the bytes between its quotes.
    struct RawString {
        var range: Range<Int>
        /// False for the usual string without `\`: its bytes are then its UTF-8.
        var hasEscapes: Bool
        /// True when every byte is below 0x80: such bytes are valid UTF-8 without looking further.
        var isASCII: Bool
    }

    /// `JSONDecoder` refuses documents whose containers nest deeper than this.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    func malformed() -> Malformed { Malformed(offset: position) }

    /// The next byte after whitespace, not consumed; nil at the end of the document.
    mutating func peek() -> UInt8? {
        while position < bytes.count {
            let byte = bytes[position]
            guard byte == .space || byte == .lineFeed || byte == .carriageReturn || byte == .tab else { return byte }
            position += 1
        }
        return nil
    }

    /// Checks that only whitespace follows the top-level value.
    mutating func finish() throws(Malformed) {
        guard peek() == nil else { throw malformed() }
    }

    // MARK: Containers

    /// Reads `{`; false when the object is empty (its `}` read too).
    mutating func beginObject() throws(Malformed) -> Bool {
        try begin(.openBrace, close: .closeBrace)
    }

    /// After a member's value: true after `,` (a member follows), false after the closing `}`.
    mutating func nextMember() throws(Malformed) -> Bool {
        try next(close: .closeBrace)
    }

    /// Reads `[`; false when the array is empty (its `]` read too).
    mutating func beginArray() throws(Malformed) -> Bool {
        try begin(.openBracket, close: .closeBracket)
    }

    /// After an element: true after `,` (an element follows), false after the closing `]`.
    mutating func nextElement() throws(Malformed) -> Bool {
        try next(close: .closeBracket)
    }

    /// Reads a member's key and the `:` after it: the key of `keys` whose name it is, nil for any other.
    mutating func readKey<Key>(among keys: [(name: [UInt8], key: Key)]) throws(Malformed) -> Key? {
        let raw = try readRawString()
        let key: Key?
        if raw.hasEscapes {
            var text = try string(raw)
            key = text.withUTF8 { Self.lookUp($0, in: keys) }
        } else {
            let name = bytes(of: raw)
            key = Self.lookUp(name, in: keys)
            // JSONDecoder reads every key into a String, refusing the document if one is not UTF-8.
            if key == nil, !raw.isASCII, String(validating: name, as: UTF8.self) == nil { throw malformed() }
        }
        guard peek() == .colon else { throw malformed() }
        position += 1
        return key
    }

    private static func lookUp<Key>(_ name: UnsafeBufferPointer<UInt8>, in keys: [(name: [UInt8], key: Key)]) -> Key? {
        for entry in keys where entry.name.count == name.count {
            if entry.name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }) {
                return entry.key
            }
        }
        return nil
    }

    private mutating func begin(_ open: UInt8, close: UInt8) throws(Malformed) -> Bool {
        guard peek() == open else { throw malformed() }
        position += 1
        depth += 1
        guard depth <= Self.maximumDepth else { throw malformed() }
        guard peek() == close else { return true }
        position += 1
        depth -= 1
        return false
    }

    private mutating func next(close: UInt8) throws(Malformed) -> Bool {
        switch peek() {
        case .comma:
            position += 1
            return true
        case close:
            position += 1
            depth -= 1
            return false
        default:
            throw malformed()
        }
    }

    // MARK: Values

    /// Reads `null` if that is what comes next.
    mutating func readNull() -> Bool {
        guard peek() == UInt8(ascii: "n"), has("null") else { return false }
        position += 4
        return true
    }

    mutating func readBool() throws(Malformed) -> Bool {
        if peek() == UInt8(ascii: "t"), has("true") {
            position += 4
            return true
        }
        guard peek() == UInt8(ascii: "f"), has("false") else { throw malformed() }
        position += 5
        return false
    }

    mutating func readString() throws(Malformed) -> String {
        try string(readRawString())
    }

    /// Finds the end of the string that comes next; its escapes are checked by `string(_:)`.
    mutating func readRawString() throws(Malformed) -> RawString {
        guard peek() == .quote else { throw malformed() }
        position += 1
        let start = position
        var hasEscapes = false
        var isASCII = true
        while true {
            // Most of a page is plain ASCII inside strings: look at eight bytes at a time and jump
            // to the first that ends the string, starts an escape or needs a look of its own.
            if position + 8 <= bytes.count {
                let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + position).loadUnaligned(as: UInt64.self))
                let special = Self.specialBytes(in: word)
                guard special != 0 else {
                    position += 8
                    continue
                }
                position += special.trailingZeroBitCount / 8
            }
            guard position < bytes.count else { throw malformed() }
            let byte = bytes[position]
            if byte == .quote {
                position += 1
                return RawString(range: start..<position - 1, hasEscapes: hasEscapes, isASCII: isASCII)
            } else if byte == .backslash {
                hasEscapes = true
                position += 2
            } else if byte < 0x20 {
                throw malformed()
            } else {
                isASCII = isASCII && byte < 0x80
                position += 1
            }
        }
    }

    /// Marks (high bit) the bytes of `word` that are a quote, a backslash, a control character or
    /// not ASCII, with the word tricks of Bit Twiddling Hacks ("has zero byte", "has less than").
    /// Only the lowest mark is sure (a borrow may mark bytes above it), and only it is used.
    private static func specialBytes(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & high }
        let control = (word &- ones &* 0x20) & ~word & high
        return word & high | control | zeroBytes(word ^ ones &* UInt64(UInt8.quote))
            | zeroBytes(word ^ ones &* UInt64(UInt8.backslash))
    }

    /// The bytes between a string's quotes, escapes as written.
    func bytes(of raw: RawString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[raw.range])
    }

    /// The string's value; fails on an unknown escape, a lone surrogate or bytes that are not UTF-8.
    func string(_ raw: RawString) throws(Malformed) -> String {
        guard raw.hasEscapes else {
            // `String(validating:)` is generic and costs a metadata lookup per call; ASCII needs no check.
            if raw.isASCII { return String(decoding: bytes(of: raw), as: UTF8.self) }
            guard let text = String(validating: bytes(of: raw), as: UTF8.self) else { throw malformed() }
            return text
        }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(raw.range.count)
        var index = raw.range.lowerBound
        let end = raw.range.upperBound
        while index < end {
            let byte = bytes[index]
            guard byte == .backslash else {
                utf8.append(byte)
                index += 1
                continue
            }
            guard index + 1 < end else { throw malformed() }
            switch bytes[index + 1] {
            case .quote, .backslash, .slash: utf8.append(bytes[index + 1])
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(.lineFeed)
            case UInt8(ascii: "r"): utf8.append(.carriageReturn)
            case UInt8(ascii: "t"): utf8.append(.tab)
            case UInt8(ascii: "u"):
                var value = try hex4(at: index + 2, end: end)
                index += 6
                if (0xD800..<0xDC00).contains(value) {
                    // A high surrogate counts only with the low one after it.
                    guard index + 1 < end, bytes[index] == .backslash, bytes[index + 1] == UInt8(ascii: "u") else {
                        throw malformed()
                    }
                    let low = try hex4(at: index + 2, end: end)
                    guard (0xDC00..<0xE000).contains(low) else { throw malformed() }
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                guard let scalar = Unicode.Scalar(value) else { throw malformed() }
                UTF8.encode(scalar) { utf8.append($0) }
                continue
            default:
                throw malformed()
            }
            index += 2
        }
        guard let text = String(validating: utf8, as: UTF8.self) else { throw malformed() }
        return text
    }

    private func hex4(at start: Int, end: Int) throws(Malformed) -> UInt32 {
        guard start + 4 <= end else { throw malformed() }
        var value: UInt32 = 0
        for byte in bytes[start..<start + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw malformed()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Checks the next value against the grammar and steps over it.
    mutating func skipValue() throws(Malformed) {
        switch peek() {
        case .quote:
            // Decoded, not only scanned: its escapes and UTF-8 are checked as for any other string.
            _ = try readString()
        case .openBrace:
            var more = try beginObject()
            while more {
                let _: Never? = try readKey(among: [])
                try skipValue()
                more = try nextMember()
            }
        case .openBracket:
            var more = try beginArray()
            while more {
                try skipValue()
                more = try nextElement()
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try readBool()
        case UInt8(ascii: "n"):
            guard readNull() else { throw malformed() }
        default:
            try skipNumber()
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func skipNumber() throws(Malformed) {
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            try skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            try skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            try skipDigits()
        }
    }

    private mutating func skipDigits() throws(Malformed) {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        guard position > start else { throw malformed() }
    }

    private func has(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return memcmp(bytes.baseAddress! + position, literal.utf8Start, count) == 0
    }
}

extension UInt8 {
    fileprivate static var space: UInt8 { UInt8(ascii: " ") }
    fileprivate static var tab: UInt8 { UInt8(ascii: "\t") }
    fileprivate static var lineFeed: UInt8 { UInt8(ascii: "\n") }
    fileprivate static var carriageReturn: UInt8 { UInt8(ascii: "\r") }
    fileprivate static var quote: UInt8 { UInt8(ascii: "\"") }
    fileprivate static var backslash: UInt8 { UInt8(ascii: "\\") }
    fileprivate static var slash: UInt8 { UInt8(ascii: "/") }
    fileprivate static var colon: UInt8 { UInt8(ascii: ":") }
    fileprivate static var comma: UInt8 { UInt8(ascii: ",") }
    fileprivate static var openBrace: UInt8 { UInt8(ascii: "{") }
    fileprivate static var closeBrace: UInt8 { UInt8(ascii: "}") }
    fileprivate static var openBracket: UInt8 { UInt8(ascii: "[") }
    fileprivate static var closeBracket: UInt8 { UInt8(ascii: "]") }
}
