import Foundation
import Testing

@testable import Notify

@Suite struct EmailMessageTests {
    func message(subject: String, body: String = "Hello\nwörld", name: String? = "postwatch") throws -> String {
        let mail = EmailMessage(
            from: try EmailAddress("alerts@example.com"), fromName: name,
            to: [try EmailAddress("oncall@example.com"), try EmailAddress("ops@example.com")],
            subject: subject, body: body, date: Date(timeIntervalSince1970: 1_795_953_600),  // 2026-11-29 12:00 UTC
            idempotencyKey: "abc123")
        return String(decoding: mail.rendered(), as: UTF8.self)
    }

    @Test func headersAreThereWithCRLF() throws {
        let text = try message(subject: "3 posts failed")
        #expect(text.contains("\r\nDate: Sun, 29 Nov 2026 12:00:00 +0000\r\n"))
        #expect(text.contains("\r\nMessage-ID: <"))
        #expect(text.contains("\r\nX-Postwatch-Idempotency-Key: abc123\r\n"))
        #expect(text.contains("\r\nMIME-Version: 1.0\r\n"))
        #expect(text.contains("Content-Type: text/plain; charset=UTF-8\r\n"))
        #expect(text.contains("Content-Transfer-Encoding: quoted-printable\r\n"))
        #expect(text.hasPrefix("From: postwatch <alerts@example.com>\r\nTo: oncall@example.com,\r\n ops@example.com\r\nSubject: 3 posts failed\r\n"))
        // No bare LF anywhere.
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.contains("\r\n\r\nHello\r\nw=C3=B6rld\r\n"))
    }

    @Test func aSubjectCannotAddAHeader() throws {
        let text = try message(subject: "hi\r\nBcc: victim@example.com\nX-Evil: 1")
        let headers = text.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headers.contains("\r\nBcc:"))
        #expect(!headers.contains("\r\nX-Evil"))
        #expect(headers.contains("Subject: hi Bcc: victim@example.com X-Evil: 1"))
    }

    @Test func aDisplayNameCannotAddAHeaderOrAnAddress() throws {
        let text = try message(subject: "s", name: "x\r\nBcc: a@b.c, <evil@x.y>")
        let from = text.components(separatedBy: "\r\n").first ?? ""
        #expect(from.hasPrefix("From: =?UTF-8?B?"))
        #expect(from.hasSuffix(" <alerts@example.com>"))
        #expect(!text.contains("\r\nBcc:"))
    }

    @Test func encodedWordsAreShortAndNeverSplitACharacter() throws {
        let subject = String(repeating: "🔥 Ünïcödé ", count: 20)
        let words = MIMEEncoding.encodedWords(subject)
        #expect(words.count > 1)
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = String(word.dropFirst(10).dropLast(2))
            let bytes = try #require(Data(base64Encoded: payload))
            #expect(String(data: bytes, encoding: .utf8) != nil, "a word splits a character")
        }
        let joined = words.compactMap { Data(base64Encoded: String($0.dropFirst(10).dropLast(2))) }
            .map { String(decoding: $0, as: UTF8.self) }.joined()
        #expect(joined == subject)
        let header = try message(subject: subject).components(separatedBy: "\r\n\r\n")[0]
        for line in header.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78) }
    }

    @Test func quotedPrintableKeepsLinesShortAndRoundTrips() {
        let body = String(repeating: "é=x ", count: 60) + "\nend \n.dot"
        let qp = MIMEEncoding.quotedPrintable(body)
        for line in qp.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76) }
        #expect(!qp.contains(" \r\n"))  // trailing space encoded
        #expect(qp.hasSuffix("end=20\r\n.dot"))
    }

    @Test(arguments: [
        "a@b.c", "first.last+tag@example.co.uk", "x@[127.0.0.1]", "user@localhost",
    ])
    func validAddresses(_ text: String) throws {
        #expect(try EmailAddress(text).value == text)
    }

    @Test(arguments: [
        "", "a", "a@", "@b", "a@b@c", "a b@c.d", "a@b.c\r\nRCPT TO:<x@y.z>", "a@b.c\n", "<a@b.c>", "\"q\"@b.c",
        "a..b@c.d", "a@-b.c", "ü@b.c", "a@b.c>", "a@b_c.d",
    ])
    func invalidAddresses(_ text: String) {
        #expect(throws: NotifyError.self) { try EmailAddress(text) }
    }

    @Test func theErrorNeverEchoesALineBreak() {
        do {
            _ = try EmailAddress("a@b.c\r\nDATA")
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidAddress)
            #expect(!error.message.contains("\r") && !error.message.contains("\n"))
        }
    }

    @Test func smtpConfigurationChecksItsURL() throws {
        let from = try EmailAddress("a@b.c")
        #expect(throws: NotifyError.self) { try SMTPConfiguration(url: "http://x", from: from).validate() }
        #expect(throws: NotifyError.self) { try SMTPConfiguration(url: "smtps://x:465", tls: .none, from: from).validate() }
        #expect(throws: NotifyError.self) { try SMTPConfiguration(url: "smtp://x\r\n:25", from: from).validate() }
        try SMTPConfiguration(url: "smtp://mail.example.com:587", from: from).validate()
    }

    /// A stateless CI run (`--since`, no state) resends the same notification every run, and
    /// its Message-ID was derived from the key: Gmail may drop the repeat. Each message now has
    /// its own; the notification is named by X-Postwatch-Idempotency-Key.
    @Test func eachMessageHasItsOwnMessageIDAndTheNotificationItsKey() throws {
        func header(_ name: String, _ text: String) -> String? {
            text.split(separator: "\r\n").first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) }
        }
        let first = try message(subject: "3 posts failed")
        let second = try message(subject: "3 posts failed")
        let ids = [header("Message-ID", first), header("Message-ID", second)]
        #expect(ids[0] != nil && ids[0] != ids[1], "\(ids)")
        #expect(ids.allSatisfy { $0?.hasSuffix(".postwatch@example.com>") == true }, "\(ids)")
        #expect(header("X-Postwatch-Idempotency-Key", first) == "abc123")
        #expect(header("X-Postwatch-Idempotency-Key", second) == "abc123")
    }
}
