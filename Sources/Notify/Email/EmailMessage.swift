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
    /// Unique per message sent (RFC 5322 3.6.4): a stateless CI run resends the same
    /// notification every time, and a receiver such as Gmail drops a repeat of a Message-ID it
    /// has seen. The notification itself is named by `X-Postwatch-Idempotency-Key`.
    public var messageID: String
    /// The notification's idempotency key, in `X-Postwatch-Idempotency-Key` (the same for a
    /// redelivery, like the webhook's `Idempotency-Key`).
    public var idempotencyKey: String
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
        self.idempotencyKey = idempotencyKey
        self.extraHeaders = extraHeaders
    }

    /// `<UUID.postwatch@domain-of-from>`: random, so each message is unique (the key has its
    /// own header; a Message-ID holding both would pass the 78-character line).
    public static func messageID(idempotencyKey: String, from: EmailAddress) -> String {
        let domain = from.value.split(separator: "@").last.map(String.init) ?? "postwatch.invalid"
        return "<\(UUID().uuidString.lowercased()).postwatch@\(domain)>"
    }

    /// Letters, digits, `.`, `-`, `_`: what a header may carry without encoding.
    static func safe(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_".unicodeScalars)
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { allowed.contains($0) }.prefix(100)))
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
        if !Self.safe(idempotencyKey).isEmpty { lines.append("X-Postwatch-Idempotency-Key: \(Self.safe(idempotencyKey))") }
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
