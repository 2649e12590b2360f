import Foundation

extension HTTPReceiver {
    func acceptLoop() {
        while !isStopped {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            let admitted = state.withLock { state -> Bool in
                if state.stopped { return false }
                state.connections.insert(fd)
                return true
            }
            guard admitted else {
                close(fd)
                break
            }
            let thread = Thread { self.serve(fd) }
            thread.name = "HTTPReceiver.connection"
            thread.start()
        }
        state.withLock { state in
            state.listenerOpen = false
            close(listener)
        }
    }

    /// Reads requests off one connection (keep-alive) and answers each.
    private func serve(_ fd: Int32) {
        defer {
            state.withLock { state in
                state.connections.remove(fd)
                close(fd)
            }
        }
        var buffer = Data()
        let peer = Self.peerPort(fd)
        while var request = readRequest(fd, &buffer) {
            request.peerPort = peer
            let response = record(request)
            guard wait(response.delay), write(response, to: fd) else { return }
            if request.header("Connection")?.lowercased() == "close" { return }
        }
    }

    /// The port the connection's other end is bound to.
    private static func peerPort(_ fd: Int32) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let found = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard found == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sleeps in short steps so `stop()` is never held up by a slow answer; false when stopped.
    private func wait(_ delay: Duration) -> Bool {
        let deadline = ContinuousClock.now + delay
        while ContinuousClock.now < deadline {
            if isStopped { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return !isStopped
    }

    /// Writes the answer; false when the connection must be closed afterwards.
    private func write(_ response: Response, to fd: Int32) -> Bool {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        let hasLength = response.headers.contains { $0.name.caseInsensitiveCompare("Content-Length") == .orderedSame }
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        if !hasLength { head += "Content-Length: \(response.bodyLength)\r\n" }
        if response.cutAfter != nil { head += "Connection: close\r\n" }
        head += "\r\n"
        guard Socket.sendAll(fd, Data(head.utf8)) else { return false }

        let limit = min(response.cutAfter ?? response.bodyLength, response.bodyLength)
        switch response.body {
        case .data(let data):
            guard Socket.sendAll(fd, data.prefix(limit)) else { return false }
        case .repeated(let byte, _):
            let chunk = Data(repeating: byte, count: 64 * 1024)
            var left = limit
            while left > 0 {
                guard !isStopped, Socket.sendAll(fd, chunk.prefix(left)) else { return false }
                left -= min(left, chunk.count)
            }
        }
        return response.cutAfter == nil
    }

    /// One request: head up to the blank line, then `Content-Length` bytes of body (or chunks).
    private func readRequest(_ fd: Int32, _ buffer: inout Data) -> Request? {
        let separator = Data("\r\n\r\n".utf8)
        var headEnd = buffer.range(of: separator)
        while headEnd == nil {
            guard receive(fd, into: &buffer) else { return nil }
            headEnd = buffer.range(of: separator)
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[buffer.startIndex..<headEnd.lowerBound], as: UTF8.self)
        buffer = Data(buffer[headEnd.upperBound...])
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var request = Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: [], body: Data())
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            request.headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        if request.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            guard let body = readChunked(fd, &buffer) else { return nil }
            request.body = body
        } else {
            let length = Int(request.header("Content-Length") ?? "0") ?? 0
            while buffer.count < length {
                guard receive(fd, into: &buffer) else { return nil }
            }
            request.body = Data(buffer.prefix(length))
            buffer = Data(buffer.dropFirst(length))
        }
        return request
    }

    private func readChunked(_ fd: Int32, _ buffer: inout Data) -> Data? {
        var body = Data()
        let crlf = Data("\r\n".utf8)
        while true {
            var lineEnd = buffer.range(of: crlf)
            while lineEnd == nil {
                guard receive(fd, into: &buffer) else { return nil }
                lineEnd = buffer.range(of: crlf)
            }
            guard let lineEnd else { return nil }
            let sizeText = String(decoding: buffer[buffer.startIndex..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first.map(String.init) ?? "", radix: 16) else { return nil }
            buffer = Data(buffer[lineEnd.upperBound...])
            while buffer.count < size + 2 {
                guard receive(fd, into: &buffer) else { return nil }
            }
            if size == 0 {
                // Trailers are not supported: the last chunk is followed by the final CRLF.
                buffer = Data(buffer.dropFirst(2))
                return body
            }
            body.append(buffer.prefix(size))
            buffer = Data(buffer.dropFirst(size + 2))
        }
    }

    private func receive(_ fd: Int32, into buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 410: "Gone"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
