import Foundation
import LumaTestSupport
import Testing

/// The "done when": `lumactl up --fake-avatars`, a week assigned to the demo AI creator
/// (Ava, creator 3), and the week becomes submitted items whose videos media-store holds.
@Suite("lumactl up --fake-avatars", .serialized)
struct FakeAvatarsTests {
    @Test func aWeekAssignedToAvaBecomesSubmittedWithVideos() async throws {
        let up = UpProcess(arguments: ["--fake-avatars"])
        try await up.start()
        #expect(up.log.contains("AI creators render with luma-fake-heygen"))
        let env = up.environment
        _ = try await lumactl(["content", "plan", "--from", "2027-02-01", "--to", "2027-02-07", "--modes", "positivity"], environment: env)
        _ = try await lumactl(["content", "generate", "--from", "2027-02-01", "--to", "2027-02-07"], environment: env)
        for id in 1...7 {
            let assigned = try await lumactl(["content", "assign", "\(id)", "--creator", "3"], environment: env)
            #expect(assigned.status == 0, "\(assigned.stderr)")
        }
        // The fake finishes on its second poll (5 s, then 10 s later): well within a minute.
        var done = false
        let deadline = ContinuousClock.now + .seconds(90)
        while !done && ContinuousClock.now < deadline {
            let board = try await lumactl(["board", "--from", "2027-02-01", "--days", "7"], environment: env)
            done = board.stdout.contains("submitted 7")
            if !done { try await Task.sleep(for: .milliseconds(500)) }
        }
        let jobs = try await lumactl(["renders"], environment: env).stdout
        #expect(done, "\(jobs)")
        let renders = try await lumactl(["renders", "--state", "submitted"], environment: env)
        #expect(renders.stdout.split(separator: "\n").count == 8, "\(renders.stdout)")
        for id in 1...7 {
            let shown = try await lumactl(["content", "show", "\(id)"], environment: env)
            #expect(shown.stdout.contains("video: media ") && shown.stdout.contains("render: submitted at heygen"), "\(shown.stdout)")
        }
        let media = try await lumactl(["media", "show", "2"], environment: env)
        #expect(media.status == 0 && media.stdout.contains("video/mp4") && media.stdout.contains("owner: creator 3"), "\(media.stdout)\(media.stderr)")
        #expect(await up.interrupt() == 0)
    }
}
