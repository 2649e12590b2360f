import Foundation
import Notify
import Synchronization

/// `demo`'s screen: notifications as they would appear, a progress line while it waits, and a
/// summary. Colour and the rewritten progress line only on a terminal.
final class Terminal: Sendable {
    let isTTY: Bool
    private let write: @Sendable (String) -> Void
    private let progressShown = Mutex(false)
    private let first = Mutex<NotificationDocument?>(nil)

    /// The first notification shown (the layout gallery draws it in every kind's layout).
    var firstNotification: NotificationDocument? { first.withLock { $0 } }

    init(isTTY: Bool = isatty(STDOUT_FILENO) == 1, write: @escaping @Sendable (String) -> Void) {
        self.isTTY = isTTY
        self.write = write
    }

    enum Style: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", blue = "34", cyan = "36"
    }

    func styled(_ text: String, _ styles: Style...) -> String {
        guard isTTY, !styles.isEmpty else { return text }
        return "\u{1B}[\(styles.map(\.rawValue).joined(separator: ";"))m\(text)\u{1B}[0m"
    }

    /// A line of output, clearing the progress line first.
    func line(_ text: String) {
        let clear = progressShown.withLock { shown in
            defer { shown = false }
            return shown && isTTY
        }
        write((clear ? "\r\u{1B}[2K" : "") + text + "\n")
    }

    /// Rewrites the progress line on a terminal; elsewhere, prints it as a line.
    func progress(_ text: String) {
        if isTTY {
            progressShown.withLock { $0 = true }
            write("\r\u{1B}[2K" + styled(text, .dim))
        } else {
            write(text + "\n")
        }
    }

    func notification(_ document: NotificationDocument) {
        first.withLock { if $0 == nil { $0 = document } }
        let (icon, colour): (String, Style) =
            switch document.severity {
            case .critical: ("🔴", .red)
            case .warning: ("🟠", .yellow)
            case .info: ("🔵", .blue)
            }
        let header = "\(icon) \(document.channel) (\(document.channelKind)) · \(document.rule) · \(document.severity)"
        var text = styled("── " + header + " ──", .bold, colour) + "\n"
        text += styled(document.message.title, .bold) + "\n"
        if !document.message.body.isEmpty { text += document.message.body + "\n" }
        line(text)
    }
}
