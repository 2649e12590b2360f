import Curl
import Foundation

extension HTTPRequest {
    /// A JSON POST of a channel's message: `body` to `url`, within `timeout`, the answer read up
    /// to 64 KB (a chat service's answer is small; an error page is cut, not buffered whole).
    static func jsonPost(_ body: Data, to url: String, timeout: Duration) -> HTTPRequest {
        HTTPRequest(
            method: .post, url: url, headers: [("Content-Type", "application/json; charset=utf-8"), ("Expect", "")],
            body: body, totalTimeout: timeout, maxResponseBytes: 64 << 10)
    }
}
