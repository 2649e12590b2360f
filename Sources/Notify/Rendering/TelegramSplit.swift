/// Splits a Telegram HTML message into parts that each fit a limit and each parse on their own.
///
/// Parts end between posts (a blank line) when they can, else between lines, else between
/// characters; never inside a tag (`<a href="…">`) or an entity (`&amp;`). A tag open at the
/// end of a part (a caption in `<i>` running over several lines) is closed there and opened
/// again at the start of the next part, because Telegram refuses a message whose tags do not
/// balance. Sizes are UTF-16 units of the HTML, more than Telegram counts (it counts the text
/// after parsing), so a part that fits here fits there.
struct TelegramSplit {
    /// An open tag: its name (`i`) and its text as written (`<a href="…">`).
    struct Tag {
        let name: String
        let text: String
    }

    let limit: Int
    private(set) var parts: [String] = []
    private var current = ""
    /// The length of the tags reopened at the start of `current`.
    private var prefix = 0
    private var open: [Tag] = []

    /// The parts of `text`, each at most `limit` UTF-16 units.
    static func parts(of text: String, limit: Int) -> [String] {
        var split = TelegramSplit(limit: limit)
        split.add(text, level: 0)
        split.flush()
        return split.parts
    }

    private static let separators = ["\n\n", "\n"]

    private var isEmpty: Bool { current.utf16.count == prefix }

    private mutating func add(_ text: String, level: Int) {
        guard level < Self.separators.count else {
            addAtoms(text)
            return
        }
        let separator = Self.separators[level]
        for (index, piece) in text.components(separatedBy: separator).enumerated() {
            let joined = (index == 0 || isEmpty ? "" : separator) + piece
            if fits(joined) {
                append(joined)
                continue
            }
            flush()
            if fits(piece) {
                append(piece)
            } else {
                add(piece, level: level + 1)
            }
        }
    }

    /// A line too long for a part of its own: cut between atoms (a tag, an entity, a character).
    private mutating func addAtoms(_ text: String) {
        for atom in Self.atoms(text) {
            if !fits(atom) { flush() }
            append(atom)
        }
    }

    private func fits(_ text: String) -> Bool {
        let after = Self.apply(text, to: open)
        return current.utf16.count + text.utf16.count + Self.closing(after).utf16.count <= limit
    }

    private mutating func append(_ text: String) {
        current += text
        open = Self.apply(text, to: open)
    }

    /// Ends the current part (closing its open tags) and starts the next (reopening them).
    private mutating func flush() {
        guard !isEmpty else { return }
        parts.append(current + Self.closing(open))
        current = open.map(\.text).joined()
        prefix = current.utf16.count
    }

    private static func closing(_ open: [Tag]) -> String {
        open.reversed().map { "</\($0.name)>" }.joined()
    }

    /// The open tags after `text`: an escaped message has `<` only where a tag starts.
    private static func apply(_ text: String, to open: [Tag]) -> [Tag] {
        guard text.contains("<") else { return open }
        var stack = open
        for atom in atoms(text) where atom.hasPrefix("<") {
            let closing = atom.hasPrefix("</")
            let name = String(atom.dropFirst(closing ? 2 : 1).prefix { $0.isLetter || $0.isNumber || $0 == "-" }).lowercased()
            guard !name.isEmpty else { continue }
            if closing {
                if let index = stack.lastIndex(where: { $0.name == name }) { stack.remove(at: index) }
            } else if !atom.hasSuffix("/>") {
                stack.append(Tag(name: name, text: atom))
            }
        }
        return stack
    }

    /// Tags, entities and single characters.
    static func atoms(_ text: String) -> [String] {
        var atoms: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            var end = text.index(after: index)
            if character == "<", let close = text[index...].firstIndex(of: ">") {
                end = text.index(after: close)
            } else if character == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") {
                end = text.index(after: semicolon)
            }
            atoms.append(String(text[index..<end]))
            index = end
        }
        return atoms
    }
}
