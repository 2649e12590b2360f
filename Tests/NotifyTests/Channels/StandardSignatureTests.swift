import Curl
import Foundation
import Rules
import TestSupport
import Testing
import Timekeeping

@testable import Notify

/// `signature standard`: the Standard Webhooks headers, proven with the reference library
/// (`standardwebhooks` from PyPI) as the receiver, and a golden set of headers.
@Suite struct StandardSignatureTests {
    /// The Standard Webhooks documentation's example secret shape: `whsec_` and base64.
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let transport = CurlTransport()

    static func channel(_ url: String, clock: any WallClock, template: String? = nil) throws -> WebhookChannel {
        try WebhookChannel(
            name: "hook", url: url, secret: secret, transport: transport, template: try template.map { try PayloadTemplate($0) },
            signature: .standard, clock: clock)
    }

    static func headers(_ request: HTTPReceiver.Request) -> [String: String] {
        var headers: [String: String] = [:]
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] { headers[name] = request.header(name) }
        return headers
    }

    /// A fixed clock and key: the exact headers (the body is the document's, golden elsewhere).
    @Test func theGoldenHeaders() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        let document = try WebhookTemplateTests.document()
        try await Self.channel(receiver.url("/hook"), clock: ManualClock(Fixtures.t0)).send(document)
        let request = try #require(try await receiver.waitForRequests(count: 1).first)
        var headers = Self.headers(request)
        headers["content-type"] = request.header("Content-Type")
        headers["idempotency-key"] = request.header("Idempotency-Key")
        headers["x-postwatch-signature"] = request.header("X-Postwatch-Signature") ?? "(none)"
        #expect(headers["webhook-id"] == document.idempotencyKey)
        #expect(headers["webhook-timestamp"] == "1713801600")
        try GoldenFile.check(try JSONEncoder().encode(headers), kind: "webhook", name: "standard-signature.json")
    }

    /// The reference library accepts what postwatch sent, and refuses it with the body or the
    /// timestamp changed, or with another key.
    @Test func theStandardWebhooksLibraryVerifiesItAndRefusesTampering() async throws {
        let receiver = try HTTPReceiver.start()
        defer { receiver.stop() }
        // The library checks the timestamp against the real clock: send at the real time.
        let channel = try Self.channel(receiver.url("/hook"), clock: SystemClock())
        let plain = try WebhookTemplateTests.document(captions: ["Sale \"50%\" off \\ é 🎉\u{2028}\n"])
        try await channel.send(plain)
        let templated = try Self.channel(receiver.url("/hook"), clock: SystemClock(), template: WebhookTemplateTests.template)
        try await templated.send(plain)
        let requests = try await receiver.waitForRequests(count: 2)
        var cases: [StandardWebhooksClient.Request] = []
        for request in requests {
            let headers = Self.headers(request)
            cases.append(.init(secret: Self.secret, body: request.body, headers: headers))
            cases.append(.init(secret: Self.secret, body: request.body + Data(" ".utf8), headers: headers))
            var later = headers
            later["webhook-timestamp"] = String(Int(headers["webhook-timestamp"] ?? "0")! + 1)
            cases.append(.init(secret: Self.secret, body: request.body, headers: later))
            cases.append(.init(secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString(), body: request.body, headers: headers))
        }
        let verdicts = try await StandardWebhooksClient.verify(cases)
        #expect(verdicts.count == 8)
        for (index, verdict) in verdicts.enumerated() {
            if index % 4 == 0 {
                #expect(verdict == "ok", "case \(index): \(verdict)")
            } else {
                #expect(verdict == "error: No matching signature found", "case \(index): \(verdict)")
            }
        }
    }

    /// The id is the idempotency key: the same on every attempt, so a receiver dedupes retries;
    /// the timestamp is each attempt's own (receivers refuse old ones).
    @Test func retriesKeepTheIdAndTakeANewTimestamp() throws {
        let clock = ManualClock(Fixtures.t0)
        let channel = try Self.channel("http://127.0.0.1:1/", clock: clock)
        let document = try WebhookTemplateTests.document()
        let first = try channel.request(for: document)
        clock.advance(90)
        let second = try channel.request(for: document)
        func header(_ request: HTTPRequest, _ name: String) -> String? { request.headers.first { $0.name == name }?.value }
        #expect(header(first, "webhook-id") == header(second, "webhook-id"))
        #expect(header(first, "webhook-timestamp") == "1713801600")
        #expect(header(second, "webhook-timestamp") == "1713801690")
        #expect(header(first, "webhook-signature") != header(second, "webhook-signature"))
        #expect(header(first, WebhookSignature.headerName) == nil, "one scheme at a time")
        let key = try #require(WebhookSignatureScheme.standardKey(Self.secret))
        #expect(StandardWebhookSignature.verify(
            second.body ?? Data(), id: document.idempotencyKey, timestamp: 1_713_801_690, header: header(second, "webhook-signature") ?? "", key: key))
    }

    @Test func aSecretNotOfTheWhsecShapeIsRefusedWhenTheChannelIsBuilt() {
        for bad in ["hunter2", "whsec_", "whsec_not base64!", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
            #expect(throws: NotifyError.self, "\(bad)") {
                try WebhookChannel(name: "hook", url: "https://example.com/h", secret: bad, transport: Self.transport, template: nil, signature: .standard, clock: SystemClock())
            }
        }
        #expect(WebhookSignatureScheme.standardKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?.count == 24)
        // Unpadded base64, as some generators write it.
        #expect(WebhookSignatureScheme.standardKey("whsec_AAE")?.count == 2)
    }
}
