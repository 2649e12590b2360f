import Curl
import Foundation
@testable import Infinipost
import Sandbox
import Testing

/// The hand-written page parser against `JSONDecoder`, the reference it must agree with.
@Suite struct PostsPageParserTests {
    // MARK: Documents it reads as JSONDecoder does

    @Test func sandboxPagesReadAsJSONDecoderReadsThem() {
        let sandbox = Sandbox(configuration: SandboxConfiguration(initialPosts: 1000, tick: nil, seed: 7))
        var cursor: String?
        var pages = 0
        repeat {
            var query = [(name: "limit", value: "100")]
            if let cursor { query.append((name: "cursor", value: cursor)) }
            let response = sandbox.respond(
                to: Sandbox.Request(path: "/v1/posts", query: query, authorization: "Bearer " + sandbox.configuration.apiKey))
            let page = Self.expectSameAsJSONDecoder(Data(response.body))
            cursor = page?.nextCursor
            pages += 1
        } while cursor != nil && pages < 20
        #expect(pages == 10)
    }

    @Test func encodedPostsInEveryLayout() throws {
        var random = SeededRandom(seed: 11)
        let sandbox = Sandbox(configuration: SandboxConfiguration(initialPosts: 200, tick: nil, seed: 3))
        let posts = sandbox.posts() + Self.unusualPosts
        for start in stride(from: 0, to: posts.count, by: 37) {
            let page = PostsPage(
                data: Array(posts[start..<min(start + 37, posts.count)]), hasMore: start % 2 == 0,
                nextCursor: start % 2 == 0 ? "cursor/\(start)" : nil)
            let encoder = JSONEncoder.infinipost()
            let compact = try encoder.encode(page)
            var layouts = [compact, Self.sprinkled(compact, random: &random)]
            // Foundation's default escapes `/` as `\/`; a JSONSerialization round trip reorders keys.
            for formatting: JSONEncoder.OutputFormatting in [[], .prettyPrinted, .sortedKeys, [.prettyPrinted, .sortedKeys]] {
                encoder.outputFormatting = formatting
                layouts.append(try encoder.encode(page))
            }
            layouts.append(try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: compact)))
            for body in layouts {
                #expect(Self.expectSameAsJSONDecoder(body) == page)
            }
        }
    }

    @Test func escapesAndUnicode() {
        let captions = [
            #""\"quoted\" back\\slash \/slash\/ \b\f\n\r\t""#, #""caf\u00e9 CAF\u00C9 caf\u00c9""#,
            #""emoji 😀 and \ud83d\ude00 and \uD83D\uDE00""#, #""nul \u0000 end""#, #""\u001f\u007f\u2028\uffff""#,
            #""東京の夜景 🇫🇷 👨‍👩‍👧‍👦""#, #""""#, "\"\u{7F}\"",
        ]
        for caption in captions {
            Self.expectSameAsJSONDecoder(Self.page([Self.post(["caption": caption])]))
        }
        // Escapes in keys, dates and enum values are read too.
        Self.expectSameAsJSONDecoder(Self.page([Self.post(["post\\u0049d": #""escaped key""#, "postId": nil])]))
        Self.expectSameAsJSONDecoder(Self.page([Self.post(["createdAt": #""2024-04-21T20:15:00\u005a""#])]))
        Self.expectSameAsJSONDecoder(Self.page([Self.post(["status": #""p\u006fsted""#])]))
    }

    // Strings are scanned eight bytes at a time: put each kind of byte that stops the scan at every
    // offset, in strings long and short, and at the very end of the document.
    @Test func specialBytesAtEveryOffset() {
        for offset in 0..<20 {
            for tail in [0, 1, 7, 8, 9] {
                let (before, after) = (String(repeating: "a", count: offset), String(repeating: "b", count: tail))
                for special in [#"\""#, #"\\"#, #"\u00e9"#, "é", "😀", "\u{7F}", "~"] {
                    Self.expectSameAsJSONDecoder(Self.page([Self.post(["caption": "\"\(before)\(special)\(after)\""])]))
                }
                for special: [UInt8] in [[0x01], [0x1F], [0x0A], [0xFF], [0xC3]] {
                    let body = [UInt8](Self.page([Self.post(["caption": "\"\(before)~~\(after)\""])]))
                    Self.expectRefused(Data(body.replacing(Array("~~".utf8), with: special)), jsonDecoderReadsIt: false)
                }
            }
            let end = #"{"data":[],"hasMore":false,"nextCursor":""# + String(repeating: "c", count: offset) + "\""
            Self.expectRefused(Data(end.utf8), jsonDecoderReadsIt: false)
            Self.expectSameAsJSONDecoder(Data((end + "}").utf8))
        }
    }

    @Test func timesInOtherFormsGoThroughInfinipostTime() {
        // Foundation's ISO 8601 parser also takes a lowercase `z` and rolls February 30 over to March 1.
        let times = [
            "2024-04-22T16:00:00.250Z", "2024-04-22T18:00:00+02:00", "2024-02-29T23:59:59Z", "0001-01-01T00:00:00Z",
            "2024-04-22T16:00:00z", "2024-02-30T00:00:00Z", "2024-04-22T25:00:00Z",
        ]
        for time in times {
            let page = Self.expectSameAsJSONDecoder(Self.page([Self.post(["scheduledTime": "\"\(time)\""])]))
            #expect(page?.data.first?.scheduledTime == InfinipostTime.parse(time))
        }
    }

    @Test func nullAndMissingOptionalsAreBothNil() {
        for value in ["null", nil] {
            let page = Self.expectSameAsJSONDecoder(
                Self.page([Self.post(["thumbnailUrl": value, "soundId": value, "postedAt": value])], next: value))
            #expect(page?.data.first?.thumbnailUrl == nil && page?.data.first?.postedAt == nil && page?.nextCursor == nil)
        }
        let set = Self.expectSameAsJSONDecoder(Self.page([Self.post(["postedAt": #""2024-04-22T19:00:12Z""#])]))
        #expect(set?.data.first?.postedAt == InfinipostTime.parse("2024-04-22T19:00:12Z"))
    }

    @Test func unknownKeysAndValuesAreSkipped() {
        let values = [
            "0", "-0", "12", "-1.5e+10", "1E-2", "0.000", "123456789012345678901234567890", "1e999999", "true", "false",
            "null", #""s\"\/\u00e9""#, "[]", "{}", #"[1,[2,[3,{"a":[]}]],"x",null]"#, #"{"a":{"b":{"c":[true,false]}},"":0}"#,
            " [ 1 , { \"k\" : \"v\" } ] ",
        ]
        for value in values {
            let body = Self.page([Self.post(["extra": value, "status": #""archived""#])], extra: value)
            #expect(Self.expectSameAsJSONDecoder(body)?.data.first?.status == PostStatus(rawValue: "archived"))
        }
        let unknownEnums = Self.post(["platform": #""youtube""#, "contentType": #""story""#, "status": #""scheduled""#])
        Self.expectSameAsJSONDecoder(Self.page([unknownEnums]))
    }

    @Test func contentURLIsAStringOrAnArrayOfStrings() {
        for value in [#""https://x/v.mp4""#, #"["https://x/1.jpg","https://x/2.jpg"]"#, "[]", #"[ "only" ]"#] {
            Self.expectSameAsJSONDecoder(Self.page([Self.post(["contentUrl": value])]))
        }
    }

    @Test func emptyPagesAndKeysInAnyOrder() {
        Self.expectSameAsJSONDecoder(Data(#"{"data":[],"hasMore":false,"nextCursor":null}"#.utf8))
        Self.expectSameAsJSONDecoder(Data(#" {"nextCursor":"c","hasMore":true,"data":[]} "#.utf8))
        Self.expectSameAsJSONDecoder(Data("\n\t{\r\n\"hasMore\" :false , \"data\": [ ] }\n".utf8))
        let reversed = "{" + Self.postMembers.reversed().map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        Self.expectSameAsJSONDecoder(Self.page([reversed, Self.post()]))
    }

    @Test func repeatedKeysKeepTheFirstValueAsJSONDecoderDoes() {
        let post = String(Self.post().dropLast())
            + #","status":"failed","caption":5,"postedAt":"2024-04-22T19:00:12Z","soundId":null}"#
        let body = Data(
            (#"{"data":["# + post + #"],"hasMore":true,"nextCursor":"a","nextCursor":null,"hasMore":false,"data":7}"#).utf8)
        let page = Self.expectSameAsJSONDecoder(body)
        #expect(page?.data.first?.status == .generated)
        #expect(page?.data.first?.soundId == "snd_xyz789")
        #expect(page?.hasMore == true && page?.nextCursor == "a" && page?.data.first?.postedAt == nil)
        let nullFirst = Self.expectSameAsJSONDecoder(Data(#"{"data":[],"nextCursor":null,"hasMore":false,"nextCursor":"b"}"#.utf8))
        #expect(nullFirst?.nextCursor == nil)
    }

    @Test func nestingUpToJSONDecodersLimit() {
        // The page, its data array and the post are three levels; the unknown value holds the rest.
        func nested(_ total: Int) -> Data {
            let arrays = total - 3
            return Self.page([Self.post(["extra": String(repeating: "[", count: arrays) + String(repeating: "]", count: arrays)])])
        }
        Self.expectSameAsJSONDecoder(nested(JSONByteReader.maximumDepth))
        Self.expectRefused(nested(JSONByteReader.maximumDepth + 1), jsonDecoderReadsIt: false)
    }

    // MARK: Documents it refuses

    @Test func everyCutOfAPageIsRefused() {
        let body = Self.page([Self.post(), Self.post(["contentUrl": #"["a","b"]"#, "caption": #""\u00e9\ud83d\ude00""#])])
        Self.expectSameAsJSONDecoder(body)
        for length in 0..<body.count {
            Self.expectRefused(body.prefix(length), jsonDecoderReadsIt: false)
        }
    }

    @Test func brokenPagesAreRefusedWithTheSameError() {
        var bodies: [Data] = []
        for key in Self.postMembers.map(\.key) where !["thumbnailUrl", "soundId", "postedAt"].contains(key) {
            bodies.append(Self.page([Self.post([key: nil])]))
        }
        let wrongTypes: KeyValuePairs<String, String> = [
            "postId": "1", "accountId": "null", "platform": "true", "caption": "[]", "status": "{}", "timezone": "null",
            "contentUrl": "1", "contentUrl": "[1]", "contentUrl": #"["a",null]"#, "contentUrl": "null",
            "thumbnailUrl": "5", "soundId": "false", "postedAt": "5", "scheduledTime": "null", "createdAt": "1700000000",
        ]
        for (key, value) in wrongTypes {
            bodies.append(Self.page([Self.post([key: value])]))
        }
        for caption in [
            #""\ud800""#, #""\udc00""#, #""\ud83d\u0041""#, #""\ud83d\ue000""#, #""\ud83d\ud83d""#, #""\ud83d\n""#,
            #""\ud83dx""#, #""\x""#, #""\u12""#, #""\u12g4""#, "\"a\u{01}b\"", "\"tab\tin\"", "\"line\nbreak\"",
        ] {
            bodies.append(Self.page([Self.post(["caption": caption])]))
        }
        for date in ["2024-13-01T00:00:00Z", "2024-04-22T16:00", "2024-04-22", "yesterday", "", "2024-04-22T16:00:00 Z"] {
            bodies.append(Self.page([Self.post(["createdAt": "\"\(date)\""])]))
        }
        bodies += [
            #"{"hasMore":true}"#, #"{"data":[]}"#, #"{"data":{},"hasMore":true}"#, #"{"data":[],"hasMore":"true"}"#,
            #"{"data":[],"hasMore":1}"#, #"{"data":[],"hasMore":false,"nextCursor":5}"#, #"{"data":[1],"hasMore":false}"#,
            #"[]"#, #""page""#, "null", "", " ", #"{"data":[],"hasMore":false} x"#, #"{"data":[],"hasMore":false}{}"#,
            #"{"data":[],"hasMore":false,"x":tru}"#, #"{"data":[],"hasMore":false,"x":.5}"#, #"{"data":[],"hasMore":false,"x":+1}"#,
            #"{"data":[],"hasMore":false,"x":NaN}"#, #"{'data':[],"hasMore":false}"#, #"{"data":[],"hasMore":false /* */}"#,
            "{\"data\":[],\"hasMore\":false}\u{0C}", "{\"data\":[],\"hasMore\":false}\0",
        ].map { Data($0.utf8) }
        let notUTF8: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0x80]]
        for bytes in notUTF8 {
            let caption = [UInt8](Self.page([Self.post(["caption": #""a~~b""#])]))
            bodies.append(Data(caption.replacing(Array("~~".utf8), with: bytes)))
            bodies.append(Data(Array(#"{"data":[],"hasMore":false,"k"#.utf8) + bytes + Array(#"":1}"#.utf8)))
        }
        for body in bodies {
            Self.expectRefused(body, jsonDecoderReadsIt: false)
        }
    }

    @Test func pagesOnlyJSONDecoderReadsStillDecode() {
        let bodies = [
            #"{"data":[],"hasMore":false,"x":01}"#, #"{"data":[],"hasMore":false,"x":1.}"#, #"{"data":[],"hasMore":false,}"#,
            #"{"data":[],"hasMore":false,"x":[1,]}"#, #"{"data":[],"hasMore":false,"x":-}"#, #"{"data":[],"hasMore":false,"x":1e}"#,
            #"{"data":[],"hasMore":false,"x":"\ud800"}"#, "{\"data\":[],\"hasMore\":false,\"x\":\"\u{01}\"}",
        ].map { Data($0.utf8) } + [
            Data([0xEF, 0xBB, 0xBF] + #"{"data":[],"hasMore":false}"#.utf8),
            Data(Array(#"{"data":[],"hasMore":false,"x":""#.utf8) + [0xFF] + Array(#""}"#.utf8)),
        ]
        for body in bodies {
            Self.expectRefused(body, jsonDecoderReadsIt: true)
        }
    }

    // MARK: Helpers

    /// Checks that JSONDecoder reads `body` as a page and that the fast parser reads the same page.
    @discardableResult
    static func expectSameAsJSONDecoder(_ body: Data, sourceLocation: SourceLocation = #_sourceLocation) -> PostsPage? {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        let expected = try? JSONDecoder.infinipost().decode(PostsPage.self, from: body)
        let page = PostsPageParser.parse(body)
        #expect(expected != nil, "JSONDecoder refuses \(text)", sourceLocation: sourceLocation)
        #expect(page != nil && page == expected, "\(text)", sourceLocation: sourceLocation)
        return page
    }

    /// Checks that the fast parser refuses `body` and that the client answers as it did before the
    /// parser existed: JSONDecoder's page, or the error describing JSONDecoder's failure.
    static func expectRefused(_ body: Data, jsonDecoderReadsIt: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        #expect(PostsPageParser.parse(body) == nil, "\(text)", sourceLocation: sourceLocation)
        let before: Result<PostsPage, APIError>
        do {
            before = .success(try JSONDecoder.infinipost().decode(PostsPage.self, from: body))
        } catch {
            before = .failure(APIError(
                code: .badResponse,
                message: ResponseDiagnosis.describe(body: body, contentType: "application/json", decodingError: error),
                httpStatus: 200))
        }
        let now = Result { () throws(APIError) in
            try InfinipostClient.page(from: HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body))
        }
        #expect(now == before, "\(text)", sourceLocation: sourceLocation)
        #expect(((try? before.get()) != nil) == jsonDecoderReadsIt, "\(text)", sourceLocation: sourceLocation)
    }

    /// The members of API.md's first post, in its order, values as raw JSON.
    static let postMembers: KeyValuePairs<String, String> = [
        "postId": #""post_abc123""#, "accountId": #""acc_1a2b3c4d5e""#, "platform": #""tiktok""#, "contentType": #""video""#,
        "contentUrl": #""https://storage.googleapis.com/v.mp4""#, "thumbnailUrl": #""https://storage.googleapis.com/t.jpg""#,
        "caption": #""Check out this amazing content! #viral""#, "soundId": #""snd_xyz789""#, "timezone": #""America/New_York""#,
        "scheduledTime": #""2024-04-22T16:00:00Z""#, "status": #""generated""#, "postedAt": "null",
        "createdAt": #""2024-04-21T20:15:00Z""#,
    ]

    /// A post object: `changes` replace members in place (nil removes one) or are added at the end.
    static func post(_ changes: KeyValuePairs<String, String?> = [:]) -> String {
        var members = postMembers.map { (key: $0.key, value: Optional($0.value)) }
        for (key, value) in changes {
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = value
            } else {
                members.append((key, value))
            }
        }
        return "{" + members.compactMap { member in member.value.map { "\"\(member.key)\":\($0)" } }.joined(separator: ",") + "}"
    }

    /// A page of `posts`; `next` is the raw `nextCursor` (nil leaves it out), `extra` an unknown member's value.
    static func page(_ posts: [String], next: String? = #""cG9zdF9hYmMxMjM""#, extra: String? = nil) -> Data {
        var text = #"{"data":["# + posts.joined(separator: ",") + #"],"hasMore":true"#
        if let next { text += #","nextCursor":"# + next }
        if let extra { text += #","extra":"# + extra }
        return Data((text + "}").utf8)
    }

    /// Posts the generator does not make: unknown enum values, control characters, empty strings.
    static let unusualPosts: [Post] = [
        Post(
            postId: "post_\u{1}\u{1F}\"\\", accountId: "", platform: Platform(rawValue: "youtube"),
            contentType: ContentType(rawValue: "story"), contentUrl: .multiple([]), caption: "\u{0}\u{7F}\u{2028}\u{FEFF}",
            timezone: "UTC", scheduledTime: Date(timeIntervalSince1970: -1), status: PostStatus(rawValue: "archived"),
            postedAt: Date(timeIntervalSince1970: 0), createdAt: Date(timeIntervalSince1970: 253_402_300_799)),
        Post(
            postId: "post_/é", accountId: "acc_𝄞", platform: .instagram, contentType: .slides, contentUrl: .multiple(["a/b", ""]),
            thumbnailUrl: "", caption: String(repeating: "long é 😀 ", count: 500), soundId: "", timezone: "Asia/Tokyo",
            scheduledTime: Date(timeIntervalSince1970: 951_782_400), status: .failed, createdAt: Date(timeIntervalSince1970: 1)),
    ]

    /// `json` with random whitespace around its structural characters (never inside a string).
    static func sprinkled(_ json: Data, random: inout SeededRandom) -> Data {
        let whitespace = Array(" \t\n\r".utf8)
        var out: [UInt8] = []
        func pad() {
            for _ in 0..<Int.random(in: 0...3, using: &random) { out.append(whitespace.randomElement(using: &random)!) }
        }
        var inString = false
        var escaped = false
        pad()
        for byte in json {
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                out.append(byte)
            } else if "{}[],:".utf8.contains(byte) {
                pad()
                out.append(byte)
                pad()
            } else {
                out.append(byte)
            }
        }
        pad()
        return Data(out)
    }
}
