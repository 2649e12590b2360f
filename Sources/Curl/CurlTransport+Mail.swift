import CCurl
import Foundation

extension CurlTransport {
    /// One SMTP session: EHLO, STARTTLS when required, AUTH when credentials are given, MAIL,
    /// RCPT for each recipient, DATA with the message (libcurl dot-stuffs it) when at least one
    /// recipient was accepted. The session is left open for the next mail to the same server.
    func perform(_ request: MailRequest) async throws -> MailResponse {
        guard let url = CurlURL(request.url), !url.host.isEmpty else {
            throw CurlError(code: .badURL, curlCode: Int32(CURLE_URL_MALFORMAT.rawValue), message: "not a valid SMTP URL")
        }
        guard url.scheme == "smtp" || url.scheme == "smtps" else {
            throw CurlError(code: .protocolNotAllowed, curlCode: Int32(CURLE_UNSUPPORTED_PROTOCOL.rawValue),
                            message: "\(url.redacted): only smtp:// and smtps:// are allowed for mail")
        }
        guard !request.recipients.isEmpty else { throw CurlError.invalid("\(url.redacted): a mail needs at least one recipient") }
        for address in [request.from] + request.recipients {
            try Self.checkAddress(address)
        }
        let credentials = request.username.map { ($0, request.password ?? "") }

        let transfer = try CurlTransfer(kind: .mail(
            upload: request.message, requireAuthentication: credentials != nil, connections: authenticatedConnections))
        applyCommonOptions(transfer, connectTimeout: request.connectTimeout, totalTimeout: request.totalTimeout)
        transfer.set(CURLOPT_URL, request.url)
        transfer.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        if url.scheme == "smtp" {
            // ALL, never TRY: TRY silently continues in plaintext when STARTTLS is not offered.
            transfer.set(CURLOPT_USE_SSL, request.tls == .required ? Int(CURLUSESSL_ALL.rawValue) : Int(CURLUSESSL_NONE.rawValue))
        }
        if let (username, password) = credentials {
            transfer.set(CURLOPT_USERNAME, username)
            transfer.set(CURLOPT_PASSWORD, password)
        }
        transfer.set(CURLOPT_MAIL_FROM, request.from)
        transfer.set(CURLOPT_MAIL_RCPT, list: request.recipients)
        // One refused recipient must not cost the others their mail: the message goes to the
        // accepted ones, and the response says who was refused (7.88 spells it with three L's).
        transfer.set(CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1)
        transfer.set(CURLOPT_UPLOAD, 1)
        transfer.setOffset(CURLOPT_INFILESIZE_LARGE, Int64(request.message.count))

        let result = try await loop.run(transfer)
        let replyCode = transfer.info(CURLINFO_RESPONSE_CODE)
        // Named by the request's own addresses, by position: libcurl sends one RCPT per entry,
        // in order, but rebuilds the address it writes (an IDN host in ASCII form, say).
        let recipientReplies = zip(request.recipients, transfer.recipientReplies).map { address, reply in
            MailRecipientReply(address: address, code: reply.code, reply: reply.reply)
        }
        if transfer.refusedUnauthenticated {
            throw CurlError(code: .authenticationFailed, curlCode: Int32(result.rawValue),
                            message: "\(url.redacted): credentials are set but the server offered no authentication; the mail was not sent")
        }
        guard result == CURLE_OK else {
            var detail = transfer.errorDetail
            if let reply = transfer.replyLines.last(where: { $0.first.map { "45".contains($0) } ?? false }) {
                // The server's own words ("550 5.1.1 <bob@…>: Recipient address rejected").
                detail += detail.isEmpty ? reply : " (server: \(reply))"
            }
            var error = CurlError.transfer(result, url: url, detail: detail, smtpReply: replyCode)
            error.recipientReplies = recipientReplies
            throw error
        }
        return MailResponse(replyCode: replyCode, recipients: recipientReplies)
    }

    /// Rejects what could end an SMTP command early: CR, LF and NUL would let an address inject
    /// commands (libcurl sends `MAIL_RCPT` entries verbatim), `<` and `>` would break the path.
    static func checkAddress(_ address: String) throws(CurlError) {
        if address.isEmpty { throw CurlError.invalid("an empty mail address") }
        let forbidden = address.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "<" || $0 == ">" }
        if forbidden {
            throw CurlError.invalid("mail address contains a control character, '<' or '>'")
        }
    }
}
