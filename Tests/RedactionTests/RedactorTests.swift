import Testing

@testable import Redaction

struct RedactorTests {
    let token = "T0KEN482913XYZ"
    var slack: String { "https://hooks.slack.com/services/T0/B0/\(token)" }

    @Test func aPathQuotedWithoutTheURLLosesItsTokenAndKeepsTheRest() {
        let redactor = Redactor(urls: [slack])
        #expect(redactor.redact("Cannot POST /services/T0/B0/\(token)") == "Cannot POST /services/T0/B0/[redacted]")
        #expect(redactor.redact("no hook at \(slack)") == "no hook at https://hooks.slack.com/…")
    }

    @Test func wordsAndShortSegmentsOfAURLStay() {
        let redactor = Redactor(urls: ["https://api.telegram.org/bot123456:ABCdef/sendMessage?wait=true&chat_id=12"])
        let text = redactor.redact("POST /bot123456:ABCdef/sendMessage?wait=true&chat_id=12 refused")
        #expect(text == "POST /[redacted]/sendMessage?wait=true&chat_id=12 refused")
        // `services`, `hooks`: words; T0, B0: too short to be anyone's secret.
        #expect(Redactor.looksLikeToken("services") == false)
        #expect(Redactor.looksLikeToken("sendMessage") == false)
        #expect(Redactor.looksLikeToken("T0") == false)
        #expect(Redactor.looksLikeToken("T0KEN1234") == true)
        #expect(Redactor.looksLikeToken("abcdefghijklmnopqrstuvwx") == true)
    }

    @Test func queryValuesAreSecretsInEveryEncoding() {
        let redactor = Redactor(urls: ["https://hooks.example.com/in?token=q%2Bsecret%2F42&wait=true"])
        #expect(redactor.redact("bad query token=q%2Bsecret%2F42&wait=true") == "bad query token=[redacted]&wait=true")
        #expect(redactor.redact("bad token q+secret/42") == "bad token [redacted]")
        #expect(redactor.redact("bad token q%2bsecret%2f42") == "bad token [redacted]")
        #expect(redactor.redact(#"{"token":"q+secret\/42"}"#) == #"{"token":"[redacted]"}"#)
    }

    @Test func aURLInJSONWithEscapedSlashesIsFound() {
        let redactor = Redactor(urls: [slack])
        let text = redactor.redact(#"{"error":"unknown hook https:\/\/hooks.slack.com\/services\/T0\/B0\/T0KEN482913XYZ"}"#)
        #expect(!text.contains(token), "\(text)")
    }

    @Test func explicitSecretsAreRedactedInAnyCaseAndEncoding() {
        let redactor = Redactor(secrets: ["Key/With+Chars-123", "pw12", "ab", nil])
        #expect(redactor.redact("key KEY/WITH+CHARS-123 echoed") == "key [redacted] echoed")
        #expect(redactor.redact("key Key%2FWith%2BChars-123 echoed") == "key [redacted] echoed")
        #expect(redactor.redact("login pw12 refused") == "login [redacted] refused")
        // Below the minimum length: never a secret, or every "ab" in every word would go.
        #expect(redactor.redact("a table about labs") == "a table about labs")
    }

    @Test func aSecretCutShortByAPeerOrALimitIsRedacted() {
        let redactor = Redactor(secrets: ["sk_live_0123456789abcdef"])
        #expect(redactor.redact("invalid key sk_live_0123456…") == "invalid key [redacted]…")
        #expect(redactor.redact("invalid key sk_live_0123456...") == "invalid key [redacted]...")
        #expect(redactor.redact("invalid key sk_live_01234567") == "invalid key [redacted]")
        #expect(redactor.redact("…3456789abcdef is not valid") == "…[redacted] is not valid")
        // Seven characters are not enough to count.
        #expect(redactor.redact("ends in sk_live") == "ends in sk_live")
        // A redacted URL keeps its readable form.
        let urls = Redactor(urls: [slack])
        #expect(urls.redact("to https://hooks.slack.com/…") == "to https://hooks.slack.com/…")
        #expect(urls.redact("POST /services/T0/B0/T0KEN4829…") == "POST /services/T0/B0/[redacted]…")
    }

    @Test func mergingKeepsBothSetsOfSecrets() {
        let old = Redactor(secrets: ["old-secret-1"])
        let new = Redactor(secrets: ["new-secret-2"])
        let merged = old.merging(new)
        #expect(merged.redact("old-secret-1 new-secret-2") == "[redacted] [redacted]")
        #expect(Redactor().redact("nothing to do") == "nothing to do")
        #expect(Redactor().isEmpty)
    }

    @Test func userinfoPasswordAndSMTPURLs() {
        let redactor = Redactor(urls: ["smtps://mailer:s3cret-pass@mail.example.com:465"])
        #expect(redactor.redact("535 auth failed for s3cret-pass") == "535 auth failed for [redacted]")
        #expect(redactor.redact("smtps://mailer:s3cret-pass@mail.example.com:465 down") == "smtps://mail.example.com:465/… down")
        // Nothing secret in a bare server URL: an already redacted form is left as it is.
        let bare = Redactor(urls: ["smtp://mail.example.com:587"])
        #expect(bare.isEmpty)
        #expect(bare.redact("smtp://mail.example.com:587/…: refused") == "smtp://mail.example.com:587/…: refused")
    }
}
