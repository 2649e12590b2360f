import Crypto
import Foundation
import Testing

@testable import Notify

@Suite struct SignatureTests {
    @Test func signsTheRawBodyWithHMACSHA256() {
        // RFC 4231 test case 2.
        let header = WebhookSignature.sign(Data("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(header == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(WebhookSignature.verify(Data("what do ya want for nothing?".utf8), header: header, secret: "Jefe"))
        #expect(!WebhookSignature.verify(Data("what do ya want for nothing!".utf8), header: header, secret: "Jefe"))
        #expect(!WebhookSignature.verify(Data("what do ya want for nothing?".utf8), header: header, secret: "jefe"))
        #expect(!WebhookSignature.verify(Data(), header: "sha256=zz", secret: "Jefe"))
    }
}
