/// The SMTP server's answer to one `RCPT TO`: `250` accepted, `4xx` not now, `5xx` never.
public struct MailRecipientReply: Sendable, Hashable {
    public var address: String
    /// `250`, `450`, `550`, …
    public var code: Int
    /// The reply line as the server wrote it (`550 5.1.1 <bob@example.com>: Recipient address rejected`).
    public var reply: String

    public init(address: String, code: Int, reply: String) {
        self.address = address
        self.code = code
        self.reply = reply
    }

    public var isAccepted: Bool { (200..<300).contains(code) }
}
