import CCurl
import Foundation

extension CurlTransport {
    /// One HTTP exchange, no redirect followed; returns the response and its `Location`, resolved.
    func perform(_ request: HTTPRequest) async throws -> (HTTPResponse, String?) {
        guard let url = CurlURL(request.url), !url.host.isEmpty || url.scheme != "http" && url.scheme != "https" else {
            throw CurlError(code: .badURL, curlCode: Int32(CURLE_URL_MALFORMAT.rawValue), message: "not a valid URL")
        }
        try checkAllowed(url)
        // Checked per scalar: "\r\n" is one Swift Character, equal to neither "\r" nor "\n".
        for (name, value) in request.headers where (name + value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) || name.isEmpty {
            throw CurlError.invalid("header \(name.isEmpty ? "(empty name)" : "'\(name)'") for \(url.redacted) contains CR, LF or NUL")
        }

        let transfer = try CurlTransfer(kind: .http(maxResponseBytes: request.maxResponseBytes))
        applyCommonOptions(transfer, connectTimeout: request.connectTimeout, totalTimeout: request.totalTimeout)
        transfer.set(CURLOPT_URL, request.url)
        // Defence in depth: even if the checks above were wrong, libcurl refuses other schemes.
        transfer.set(CURLOPT_PROTOCOLS_STR, "https,http")
        transfer.set(CURLOPT_REDIR_PROTOCOLS_STR, "https,http")
        transfer.set(CURLOPT_FOLLOWLOCATION, 0)
        transfer.set(CURLOPT_USERAGENT, configuration.userAgent)

        var headerLines = request.headers.map { "\($0.name): \($0.value)" }
        switch request.method {
        case .get:
            transfer.set(CURLOPT_HTTPGET, 1)
        case .head:
            transfer.set(CURLOPT_NOBODY, 1)
        case .post:
            transfer.set(CURLOPT_POST, 1)
        case .put, .delete:
            transfer.set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        if let body = request.body ?? (request.method == .post ? Data() : nil) {
            transfer.setPostFields(body)
            // No `Expect: 100-continue` round trip (and no stall on servers that ignore it).
            headerLines.append("Expect:")
        }
        transfer.set(CURLOPT_HTTPHEADER, list: headerLines)

        let result = try await loop.run(transfer)
        guard result == CURLE_OK else {
            throw CurlError.transfer(result, url: url, detail: transfer.errorDetail, responseTooLarge: transfer.responseTooLarge)
        }
        var response = HTTPResponse(status: transfer.info(CURLINFO_RESPONSE_CODE), headers: transfer.headers, body: transfer.body)
        if response.header("Retry-After") != nil {
            // libcurl parses both forms (seconds, HTTP date); a date in the past means "now".
            response.retryAfter = .seconds(max(0, transfer.infoOffset(CURLINFO_RETRY_AFTER)))
        }
        return (response, transfer.infoString(CURLINFO_REDIRECT_URL))
    }

    /// https always; http to loopback, or anywhere when the configuration allows it.
    private func checkAllowed(_ url: CurlURL) throws(CurlError) {
        let notAllowed = Int32(CURLE_UNSUPPORTED_PROTOCOL.rawValue)
        switch url.scheme {
        case "https":
            return
        case "http" where url.isLoopback || configuration.allowPlainHTTP:
            return
        case "http":
            throw CurlError(code: .protocolNotAllowed, curlCode: notAllowed,
                            message: "\(url.redacted): plain http is only allowed to loopback hosts")
        default:
            throw CurlError(code: .protocolNotAllowed, curlCode: notAllowed, message: "\(url.redacted): protocol not allowed")
        }
    }

    /// The next request of a redirect chain, as browsers do it: 303 (and 301/302 after a POST)
    /// become a GET without body; credentials never leave the origin they were meant for.
    func redirected(_ request: HTTPRequest, to location: String, status: Int) -> HTTPRequest {
        var next = request
        next.url = location
        if status == 303 && request.method != .head || (status == 301 || status == 302) && request.method == .post {
            next.method = .get
            next.body = nil
            next.headers.removeAll { ["content-type", "content-length"].contains($0.name.lowercased()) }
        }
        if let from = CurlURL(request.url), let to = CurlURL(location), !from.sameOrigin(as: to) {
            next.headers.removeAll { ["authorization", "cookie", "proxy-authorization"].contains($0.name.lowercased()) }
        }
        return next
    }
}
