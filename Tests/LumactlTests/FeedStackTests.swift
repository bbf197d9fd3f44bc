import Foundation
import Testing

/// `lumactl up` runs luma-feed beside the services: an item approved for today in the en
/// channel's zone is on /feed/en/today, with an ETag a revalidation answers 304 to, and the
/// feed's token (the app role) reads nothing else.
@Suite("The feed in lumactl up", .serialized)
struct FeedStackTests {
    func shell(_ command: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await InstallTests().shell(command)
    }

    @Test func anItemApprovedForTodayIsOnTheFeed() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        let feed = try #require(env["LUMA_FEED"])
        #expect(up.log.contains("feed: \(feed)/feed/en/today"))
        var newYork = Calendar(identifier: .gregorian)
        newYork.timeZone = TimeZone(identifier: "America/New_York")!
        let parts = newYork.dateComponents([.year, .month, .day], from: Date())
        let today = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        for command in [["content", "plan", "--from", today, "--to", today, "--modes", "bible", "--languages", "en"],
                        ["content", "generate", "--from", today, "--to", today]] {
            #expect(try await lumactl(command, environment: env).status == 0)
        }
        let listed = try await lumactl(["content", "list", "--from", today, "--to", today, "--json"], environment: env)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])["items"] as? [[String: Any]]
        let id = try #require(items?.first?["id"] as? String)
        let verse = try #require(items?.first?["verseReference"] as? String)
        for command in [["content", "assign", id, "--auto"],
                        ["content", "submit", id, "--video", "https://cdn.example.com/v.mp4", "--thumbnail", "https://cdn.example.com/t.jpg"],
                        ["content", "approve", id]] {
            let result = try await lumactl(command, environment: env)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
        let page = try await shell("curl -fsS -D - '\(feed)/feed/en/today'")
        #expect(page.status == 0 && page.stdout.contains("\"verse_reference\":\"\(verse)\"") && page.stdout.contains("\"date\":\"\(today)\""))
        let etag = try #require(page.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }?.dropFirst(5)
            .trimmingCharacters(in: .whitespaces))
        let revalidated = try await shell("curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: \(etag)' '\(feed)/feed/en/today'")
        #expect(revalidated.stdout == "304")
        let future = try await shell("curl -s -o /dev/null -w '%{http_code}' '\(feed)/feed/en/2999-01-01'")
        #expect(future.stdout == "404")
        #expect(await up.interrupt() == 0)
    }
}
