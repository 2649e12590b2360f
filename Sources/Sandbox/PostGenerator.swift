import Foundation
import Infinipost

/// Makes believable posts from a seeded generator: several accounts on both platforms, videos
/// and slideshows, captions with emoji, long text and text that must be escaped downstream
/// (`<!channel>`, `@here`, Markdown, Mustache braces), scheduled times in the posts' own zones.
struct PostGenerator: Sendable {
    struct Account: Sendable {
        let id: String
        let platform: Platform
        let timezone: String
    }

    let accounts: [Account]

    static let timezones = [
        "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Tokyo",
        "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata", "Africa/Lagos", "Pacific/Auckland",
    ]

    static let captions = [
        "Check out this amazing content! #viral",
        "Step by step tutorial 🔥",
        "Monday motivation 💪✨ #fitness #gym",
        "POV: you finally fixed the bug at 3am 😅 #devlife",
        "New drop just landed 👟 Link in bio!",
        "Behind the scenes of today's shoot 🎬",
        "5 tips for better sleep 😴 (number 3 surprised me)",
        "Recipe: 15-minute pasta 🍝 — save this for later!",
        "<!channel> giveaway time!!! 🎉 tag 3 friends",
        "@here we're live in 10 minutes 🔴",
        "@everyone @channel don't miss this <@U024BE7LH>",
        "Prices < $20 & shipping > fast 🚚 \"limited\" offer",
        "**Bold** claims, _italic_ feelings, `code` vibes",
        "{{rule}} is not a template, {{#posts}}neither is this{{/posts}}",
        "Line one\nLine two\n\nLine four after a blank",
        "Café déjà vu: naïve façade 🇫🇷",
        "東京の夜景がきれい 🌃 #tokyo",
        "مرحبا بالعالم — hello world 🌍",
        "Family time 👨‍👩‍👧‍👦 weekend vibes",
        "Back\\slash and tab\tseparated",
    ]

    static let longCaption: String = {
        let sentence = "Here is a very long caption that goes on and on about the product, the team, the journey 🚀 and why you should care. "
        return String(repeating: sentence, count: 18) + "#longread #storytime"
    }()

    init(accounts count: Int, random: inout SeededRandom) {
        var accounts: [Account] = []
        for i in 0..<max(1, count) {
            let id = "acc_" + Self.token(10, hex: true, random: &random)
            let platform: Platform = i % 2 == 0 ? .tiktok : .instagram
            let timezone = Self.timezones[Int.random(in: 0..<Self.timezones.count, using: &random)]
            accounts.append(Account(id: id, platform: platform, timezone: timezone))
        }
        self.accounts = accounts
    }

    /// A post scheduled at `scheduled`, created at `created`, in `status` (times filled in to match).
    func makePost(
        postId: String, status: PostStatus, scheduled: Date, created: Date, random: inout SeededRandom
    ) -> Post {
        let account = accounts[Int.random(in: 0..<accounts.count, using: &random)]
        let isVideo = random.chance(0.6)
        let base = "https://storage.googleapis.com/infinipost-sandbox/\(account.id)/\(postId)"
        let contentUrl: ContentURL
        if isVideo {
            contentUrl = .single(base + "/video.mp4")
        } else {
            let slides = Int.random(in: 2...8, using: &random)
            contentUrl = .multiple((1...slides).map { base + "/slide\($0).jpg" })
        }
        let thumbnailUrl = isVideo && random.chance(0.85) ? base + "/thumb.jpg" : nil
        let soundChance = account.platform == .tiktok ? 0.8 : 0.3
        let soundId = random.chance(soundChance) ? "snd_" + Self.token(6, hex: false, random: &random) : nil
        let caption = random.chance(0.05)
            ? Self.longCaption
            : Self.captions[Int.random(in: 0..<Self.captions.count, using: &random)]
        var post = Post(
            postId: postId, accountId: account.id, platform: account.platform,
            contentType: isVideo ? .video : .slides, contentUrl: contentUrl, thumbnailUrl: thumbnailUrl,
            caption: caption, soundId: soundId, timezone: account.timezone,
            scheduledTime: scheduled, status: status, postedAt: nil, createdAt: created)
        if status == .posted { post.postedAt = Self.postedTime(scheduled: scheduled, random: &random) }
        return post
    }

    /// Most posts go out seconds after their time; some are late by many minutes.
    static func postedTime(scheduled: Date, random: inout SeededRandom) -> Date {
        let delay = random.chance(0.1)
            ? Double.random(in: 600...3600, using: &random).rounded()
            : Double.random(in: 2...120, using: &random).rounded()
        return scheduled.addingTimeInterval(delay)
    }

    static func token(_ length: Int, hex: Bool, random: inout SeededRandom) -> String {
        let alphabet = Array(hex ? "0123456789abcdef" : "abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
    }
}
