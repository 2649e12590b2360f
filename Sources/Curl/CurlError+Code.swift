import CCurl

extension CurlError {
    /// An error for a finished transfer, its message built from libcurl's texts with the URL's
    /// secret parts (userinfo, path, query) removed.
    static func transfer(
        _ result: CURLcode, url: CurlURL, detail: String, responseTooLarge: Bool = false, smtpReply: Int = 0
    ) -> CurlError {
        let raw = Int32(result.rawValue)
        let code: Code
        switch result {
        case CURLE_WRITE_ERROR where responseTooLarge:
            return CurlError(code: .responseTooLarge, curlCode: 0, message: "response from \(url.redacted) is larger than the size cap")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            code = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT:
            code = .timedOut
        case CURLE_UNSUPPORTED_PROTOCOL:
            code = .protocolNotAllowed
        case CURLE_URL_MALFORMAT:
            code = .badURL
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_USE_SSL_FAILED,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            code = .tls
        case CURLE_LOGIN_DENIED:
            code = .authenticationFailed
        case CURLE_SEND_ERROR where smtpReply >= 400, CURLE_RECV_ERROR where smtpReply >= 400,
             CURLE_WEIRD_SERVER_REPLY where smtpReply >= 400:
            // libcurl reports a MAIL/RCPT/DATA refusal as a send error, and a refusal of the
            // message after its final "." as a weird reply; the reply code tells them apart.
            code = .smtpRejected
        case CURLE_SEND_ERROR:
            code = .sendFailed
        case CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM,
             CURLE_BAD_CONTENT_ENCODING:
            code = .receiveFailed
        default:
            code = .other
        }
        let summary = String(cString: curl_easy_strerror(result))
        let detail = url.scrub(detail)
        var message = "\(url.redacted): \(summary)"
        if !detail.isEmpty && detail != summary { message += ": \(detail)" }
        return CurlError(code: code, curlCode: raw, message: message, smtpReply: smtpReply)
    }

    static func invalid(_ message: String) -> CurlError {
        CurlError(code: .invalidRequest, curlCode: 0, message: message)
    }
}
