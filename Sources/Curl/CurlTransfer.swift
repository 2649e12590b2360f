import CCurl
import Foundation
import Synchronization

/// One easy handle and everything libcurl points into while it runs.
///
/// `@unchecked Sendable` because its mutable fields follow a hand-off protocol: the submitting
/// task configures it, then only the loop thread touches it (callbacks run there) until the loop
/// resumes the continuation, after which only the awaiting task reads it again. The continuation
/// resume is the happens-before edge; the cancel flag is the one field shared concurrently and
/// lives in a `Mutex`.
final class CurlTransfer: @unchecked Sendable {
    enum Kind {
        case http(maxResponseBytes: Int)
        /// `connections`: the transport's record of which connections authenticated.
        case mail(upload: Data, requireAuthentication: Bool, connections: AuthenticatedConnections)
    }

    let easy: UnsafeMutableRawPointer
    let kind: Kind
    /// libcurl writes its detailed message here (`CURLOPT_ERRORBUFFER`).
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// Lists libcurl points into without copying; freed when the transfer is.
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    // Results, written by callbacks on the loop thread.
    var body = Data()
    var headers: [(name: String, value: String)] = []
    var responseTooLarge = false
    /// SMTP: every reply line the server sent, in order (libcurl hands them to the header callback).
    var replyLines: [String] = []
    /// SMTP: the server's answer to each `RCPT TO`, in order (read in the debug callback).
    var recipientReplies: [MailRecipientReply] = []
    /// SMTP: the address of the `RCPT TO` whose reply is still to come.
    private var awaitingRecipient: String?
    /// SMTP: the read callback refused to send because the session was never authenticated.
    var refusedUnauthenticated = false
    private var uploadOffset = 0

    private var continuation: CheckedContinuation<CURLcode, any Error>?
    private let cancelRequested = Mutex(false)

    init(kind: Kind) throws(CurlError) {
        guard let easy = curl_easy_init() else {
            throw CurlError(code: .other, curlCode: Int32(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed")
        }
        self.easy = easy
        self.kind = kind
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let me = Unmanaged.passUnretained(self).toOpaque()
        pw_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        pw_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        pw_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, me)
        pw_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        pw_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, me)
        if case .mail = kind {
            pw_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, curlReadCallback)
            pw_easy_setopt_ptr(easy, CURLOPT_READDATA, me)
            // The debug callback is the one place where each RCPT command and its reply are
            // seen together; the header callback gets the replies alone.
            pw_easy_setopt_long(easy, CURLOPT_VERBOSE, 1)
            pw_easy_setopt_debug_callback(easy, curlDebugCallback)
            pw_easy_setopt_ptr(easy, CURLOPT_DEBUGDATA, me)
        }
    }

    deinit {
        // The loop removed the handle from the multi handle before resuming, so this is safe.
        curl_easy_cleanup(easy)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    // MARK: Options

    func set(_ option: CURLoption, _ value: Int) {
        pw_easy_setopt_long(easy, option, value)
    }

    func set(_ option: CURLoption, _ value: String) {
        // libcurl copies string options (except a few we never use), so a temporary C string is fine.
        pw_easy_setopt_str(easy, option, value)
    }

    func setOffset(_ option: CURLoption, _ value: Int64) {
        pw_easy_setopt_off(easy, option, curl_off_t(value))
    }

    /// Sets a list option; the list stays alive until this transfer is freed.
    func set(_ option: CURLoption, list values: [String]) {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values {
            if let appended = curl_slist_append(list, value) { list = appended }
        }
        guard let list else { return }
        lists.append(list)
        pw_easy_setopt_ptr(easy, option, list)
    }

    /// The request body, copied by libcurl (`CURLOPT_COPYPOSTFIELDS`) so nothing must outlive the call.
    func setPostFields(_ data: Data) {
        setOffset(CURLOPT_POSTFIELDSIZE_LARGE, Int64(data.count))
        if data.isEmpty {
            // A NULL pointer would make libcurl read the body from the read callback instead.
            "".withCString { pw_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) }
            return
        }
        data.withUnsafeBytes { raw in
            pw_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
        }
    }

    func info(_ info: CURLINFO) -> Int {
        var value = 0
        pw_easy_getinfo_long(easy, info, &value)
        return value
    }

    func infoOffset(_ info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        pw_easy_getinfo_off(easy, info, &value)
        return Int64(value)
    }

    func infoString(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard pw_easy_getinfo_str(easy, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    /// libcurl's detailed message for the last failure, or "" when it left none.
    var errorDetail: String {
        String(cString: errorBuffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Completion (loop thread)

    func attach(_ continuation: CheckedContinuation<CURLcode, any Error>) {
        self.continuation = continuation
    }

    /// Marks the transfer cancelled; true when it was not already.
    func requestCancel() -> Bool {
        cancelRequested.withLock { flag in
            defer { flag = true }
            return !flag
        }
    }

    var isCancelRequested: Bool { cancelRequested.withLock { $0 } }

    func complete(_ code: CURLcode) {
        continuation?.resume(returning: code)
        continuation = nil
    }

    func fail(_ error: any Error) {
        continuation?.resume(throwing: error)
        continuation = nil
    }

    // MARK: Callbacks (loop thread)

    fileprivate func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard case .http(let maxResponseBytes) = kind else { return bytes.count }
        if body.count + bytes.count > maxResponseBytes {
            // Any count other than the one given aborts the transfer (CURLE_WRITE_ERROR).
            responseTooLarge = true
            return bytes.count == 0 ? 1 : 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    fileprivate func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        // Headers are ASCII: trimmed and split on bytes, since Foundation's trimming costs a
        // microsecond or so per call and a poll cycle reads thousands of header lines.
        let line = Self.trimmed(bytes[...])
        switch kind {
        case .mail(_, _, let connections):
            let reply = String(decoding: line, as: UTF8.self)
            if replyLines.isEmpty, info(CURLINFO_NUM_CONNECTS) > 0, let key = connectionKey {
                // The greeting of a new connection: whatever was known of a closed connection
                // with the same addresses is not true of this one.
                connections.remove(key)
            }
            if reply.hasPrefix("235"), let key = connectionKey {
                // RFC 4954: `235` is the only reply to a successful AUTH.
                connections.insert(key)
            }
            replyLines.append(reply)
        case .http:
            if line.starts(with: "HTTP/".utf8) {
                // A new response (after `100 Continue` or a proxy's answer): keep only the last one's.
                headers.removeAll()
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                let name = Self.trimmed(line[..<colon])
                let value = Self.trimmed(line[(colon + 1)...])
                if !name.isEmpty {
                    headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
                }
            }
        }
    }

    /// `bytes` without leading and trailing spaces, tabs, CRs and LFs.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }

    fileprivate func observe(_ type: curl_infotype, _ bytes: UnsafeRawBufferPointer) {
        switch type {
        case CURLINFO_HEADER_OUT:
            // Only RCPT is looked at: the AUTH command's line holds the credentials.
            let line = Self.trimmed(bytes[...])
            guard line.starts(with: "RCPT TO:<".utf8), line.last == UInt8(ascii: ">") else { return }
            awaitingRecipient = String(decoding: line.dropFirst(9).dropLast(), as: UTF8.self)
        case CURLINFO_HEADER_IN:
            guard let address = awaitingRecipient else { return }
            let line = Self.trimmed(bytes[...])
            // "250-…" continues a reply, "250 …" ends it.
            if line.count > 3 && line[line.startIndex + 3] == UInt8(ascii: "-") { return }
            let reply = String(decoding: line, as: UTF8.self)
            recipientReplies.append(MailRecipientReply(address: address, code: Int(reply.prefix(3)) ?? 0, reply: reply))
            awaitingRecipient = nil
        default:
            break
        }
    }

    fileprivate func fillUpload(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard case .mail(let upload, let requireAuthentication, _) = kind else { return 0 }
        if uploadOffset == 0 && requireAuthentication && !isAuthenticated {
            // libcurl skips AUTH silently when the server offers none and would send the mail
            // unauthenticated; refusing here aborts before the message's final "." is sent (and
            // libcurl closes a connection whose transfer was aborted).
            refusedUnauthenticated = true
            return pw_readfunc_abort()
        }
        let count = min(buffer.count, upload.count - uploadOffset)
        guard count > 0, let base = buffer.baseAddress else { return 0 }
        upload.copyBytes(to: base.assumingMemoryBound(to: UInt8.self), from: uploadOffset..<(uploadOffset + count))
        uploadOffset += count
        return count
    }

    /// Whether the connection this mail goes out on authenticated: in this transfer, or in an
    /// earlier one when libcurl reused the connection (`CURLINFO_NUM_CONNECTS` is 0: no AUTH is
    /// sent again, so this transfer sees no `235` of its own).
    var isAuthenticated: Bool {
        guard case .mail(_, _, let connections) = kind else { return false }
        guard info(CURLINFO_NUM_CONNECTS) == 0 else { return replyLines.contains { $0.hasPrefix("235") } }
        return connectionKey.map(connections.contains) ?? false
    }

    /// The connection this transfer runs on, by its addresses; nil before it is connected.
    private var connectionKey: AuthenticatedConnections.Key? {
        guard let localIP = infoString(CURLINFO_LOCAL_IP), let remoteIP = infoString(CURLINFO_PRIMARY_IP),
              !localIP.isEmpty, !remoteIP.isEmpty else { return nil }
        return AuthenticatedConnections.Key(
            localIP: localIP, localPort: info(CURLINFO_LOCAL_PORT), remoteIP: remoteIP, remotePort: info(CURLINFO_PRIMARY_PORT))
    }
}

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer? {
    guard let userdata else { return nil }
    return Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
}

private let curlWriteCallback: pw_data_callback = { buffer, size, count, userdata in
    guard let transfer = transfer(userdata) else { return 0 }
    return transfer.receive(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let curlHeaderCallback: pw_data_callback = { buffer, size, count, userdata in
    transfer(userdata)?.receiveHeader(UnsafeRawBufferPointer(start: buffer, count: size * count))
    return size * count
}

private let curlDebugCallback: pw_debug_callback = { _, type, buffer, size, userdata in
    transfer(userdata)?.observe(type, UnsafeRawBufferPointer(start: buffer, count: size))
    return 0
}

private let curlReadCallback: pw_data_callback = { buffer, size, count, userdata in
    guard let transfer = transfer(userdata) else { return pw_readfunc_abort() }
    return transfer.fillUpload(UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}
