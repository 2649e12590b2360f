import Foundation

/// An RFC 5322 message: CRLF line ends, `Date`, `Message-ID`, `MIME-Version`, an RFC 2047
/// subject, a UTF-8 plain-text body in quoted-printable.
///
/// Addresses are `EmailAddress`es (checked); the subject and display name go through
/// `MIMEEncoding`, so nothing that comes from a post can add a header line.
public struct EmailMessage: Sendable {
    public var from: EmailAddress
    public var fromName: String?
    public var to: [EmailAddress]
    public var subject: String
    public var body: String
    public var date: Date
    /// Stable per notification: derived from its idempotency key, so a receiver sees the
    /// redelivery of the same notification as the same message.
    public var messageID: String
    /// Extra header fields from postwatch itself (names and values are its own ASCII words).
    public var extraHeaders: [(name: String, value: String)]

    public init(
        from: EmailAddress, fromName: String? = "postwatch", to: [EmailAddress], subject: String, body: String,
        date: Date, idempotencyKey: String, extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = Self.messageID(idempotencyKey: idempotencyKey, from: from)
        self.extraHeaders = extraHeaders
    }

    /// `<KEY@domain-of-from>`, with only the key's safe characters.
    public static func messageID(idempotencyKey: String, from: EmailAddress) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_".unicodeScalars)
        let key = String(String.UnicodeScalarView(idempotencyKey.unicodeScalars.filter { allowed.contains($0) }).prefix(100))
        let domain = from.value.split(separator: "@").last.map(String.init) ?? "postwatch.invalid"
        return "<\(key.isEmpty ? "postwatch" : key).postwatch@\(domain)>"
    }

    /// The whole message as bytes for `MailRequest.message`.
    public func rendered() -> Data {
        var lines: [String] = []
        let sender = fromName.map { "\(MIMEEncoding.displayName($0)) <\(from.value)>" } ?? from.value
        lines.append("From: \(sender)")
        lines.append("To: " + to.map(\.value).joined(separator: ",\r\n "))
        lines.append("Subject: " + MIMEEncoding.headerValue(subject))
        lines.append("Date: " + MIMEEncoding.date(date))
        lines.append("Message-ID: \(messageID)")
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=UTF-8")
        lines.append("Content-Transfer-Encoding: quoted-printable")
        lines.append("Auto-Submitted: auto-generated")
        for header in extraHeaders {
            let name = header.name.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            guard !name.isEmpty else { continue }
            lines.append("\(name): " + MIMEEncoding.headerValue(header.value))
        }
        let text = lines.joined(separator: "\r\n") + "\r\n\r\n" + MIMEEncoding.quotedPrintable(body) + "\r\n"
        return Data(text.utf8)
    }
}
