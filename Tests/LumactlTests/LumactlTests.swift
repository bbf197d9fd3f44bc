import Foundation
import LumaTestSupport
import Testing

@Suite("lumactl against running services", .serialized)
struct LumactlTests {
    @Test func genericClientListsDescribesAndCallsEachService() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        let services = [("LUMA_VERSES", "luma.verses.v1.VerseRegistry"), ("LUMA_CREATORS", "luma.creators.v1.CreatorRegistry"),
                        ("LUMA_CONTENT", "luma.content.v1.ContentPipeline")]
        for (variable, service) in services {
            let address = try #require(env[variable])
            let list = try await lumactl(["list", address], environment: env)
            #expect(list.status == 0)
            #expect(list.stdout.contains("\n\(service)\n") || list.stdout.hasPrefix("\(service)\n"))
            #expect(list.stdout.contains("luma.rpc.v1.Health/Check"))
            let health = try await lumactl(["health", address], environment: env)
            #expect(health.stdout == "SERVING\n")
        }
        let verses = try #require(env["LUMA_VERSES"])
        let creators = try #require(env["LUMA_CREATORS"])
        let content = try #require(env["LUMA_CONTENT"])

        let describe = try await lumactl(["describe", verses, "luma.verses.v1.VerseRegistry/ClaimVerse"], environment: env)
        #expect(describe.stdout.contains("request:  luma.verses.v1.ClaimVerseRequest"))
        #expect(describe.stdout.contains("int64 daily_content_id = 1;"))
        let message = try await lumactl(["describe", content, "luma.content.v1.ContentItem"], environment: env)
        #expect(message.stdout.contains("luma.content.v1.Status status = 5;"))
        #expect(message.stdout.contains("STATUS_APPROVED = 5"))

        let call = try await lumactl(["call", verses, "luma.verses.v1.VerseRegistry/ValidateReference", "-d", #"{"reference":"Jn 3:16"}"#], environment: env)
        #expect(call.status == 0)
        #expect(call.stdout.contains(#""canonical" : "John 3:16""#) || call.stdout.contains(#""canonical": "John 3:16""#))

        let file = temporaryDirectory() + "/request.json"
        try #"{"email":"file@example.com","display_name":"From File","role":"ROLE_CREATOR"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await lumactl(["call", creators, "luma.creators.v1.CreatorRegistry/CreateUser", "-d", "@" + file], environment: env)
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        let fromStdin = try await lumactl(["call", creators, "luma.creators.v1.CreatorRegistry/CreateUser", "-d", "@-"], environment: env,
                                          stdin: #"{"email":"stdin@example.com","display_name":"From Stdin","role":"ROLE_ADMIN"}"#)
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")

        // Malformed JSON: a message pointing at the problem, exit 3, and nothing sent.
        let bad = try await lumactl(["call", creators, "luma.creators.v1.CreatorRegistry/CreateUser", "-d", #"{"email": "x@example.com",}"#], environment: env)
        #expect(bad.status == 3)
        #expect(bad.stderr.hasPrefix("INVALID_ARGUMENT: request JSON is malformed"))
        #expect(bad.stderr.contains("line 1") || bad.stderr.contains("column") || bad.stderr.contains("character"), "\(bad.stderr)")
        let unknownField = try await lumactl(["call", creators, "luma.creators.v1.CreatorRegistry/CreateUser", "-d", #"{"mail": "x@example.com"}"#], environment: env)
        #expect(unknownField.status == 3)
        #expect(unknownField.stderr.contains("luma.creators.v1.CreateUserRequest has no field 'mail'"), "\(unknownField.stderr)")
        let users = try await lumactl(["users", "list", "--json"], environment: env)
        #expect(!users.stdout.contains("x@example.com"))
        #expect(users.stdout.contains("stdin@example.com"))

        // A status from the server: the code's name and number.
        let missing = try await lumactl(["call", creators, "luma.creators.v1.CreatorRegistry/GetCreator", "-d", #"{"id": 42}"#], environment: env)
        #expect(missing.status == 5)
        #expect(missing.stderr == "NOT_FOUND: creator 42 does not exist (field id)\n")
        let unknown = try await lumactl(["call", verses, "luma.verses.v1.VerseRegistry/Nope"], environment: env)
        #expect(unknown.status == 12)
        #expect(unknown.stderr.hasPrefix("UNIMPLEMENTED: "))

        // Re-queuing failed outbox entries: nothing failed here; ids are checked.
        let retryAll = try await lumactl(["outbox", "retry"], environment: env)
        #expect(retryAll.stdout == "content-pipeline: re-queued 0\ncreator-registry: re-queued 0\n", "\(retryAll.stderr)")
        let retryNoService = try await lumactl(["outbox", "retry", "--id", "1"], environment: env)
        #expect(retryNoService.status == 64)
        #expect(retryNoService.stderr.contains("--id needs --service"))
        let retryMissing = try await lumactl(["outbox", "retry", "--service", "content-pipeline", "--id", "999"], environment: env)
        #expect(retryMissing.status == 5)
        #expect(retryMissing.stderr == "NOT_FOUND: outbox entry 999 does not exist (delivered, or never queued) (field ids)\n")

        // A deadline too short for the work: DEADLINE_EXCEEDED.
        _ = try await lumactl(["content", "plan", "--from", "2030-01-01", "--to", "2030-12-31"], environment: env)
        let slow = try await lumactl(["call", content, "luma.content.v1.ContentPipeline/Generate", "--deadline", "0.05",
                                      "-d", #"{"range": {"from_date": "2030-01-01", "to_date": "2030-12-31"}}"#], environment: env)
        #expect(slow.status == 4, "\(slow.stderr)")
        #expect(slow.stderr.hasPrefix("DEADLINE_EXCEEDED"))
        #expect(await up.interrupt() == 0)
    }

    @Test func upTwiceOnOneDataDirKeepsTheDataAndDoesNotReseed() async throws {
        let directory = temporaryDirectory()
        let first = UpProcess(dataDir: directory)
        try await first.start()
        #expect(first.log.contains("seeded demo users and creators"))
        _ = try await lumactl(["content", "plan", "--from", "2027-02-01", "--to", "2027-02-02"], environment: first.environment)
        #expect(await first.interrupt() == 0)
        #expect(first.fullLog.contains("stopped"))

        let second = UpProcess(dataDir: directory)
        try await second.start()
        #expect(second.log.contains("data dir has data; not seeding"))
        let users = try await lumactl(["users", "list"], environment: second.environment)
        #expect(users.stdout.split(separator: "\n").count == 5)   // header + 4 seeded, not 8
        let items = try await lumactl(["content", "list"], environment: second.environment)
        #expect(items.stdout.split(separator: "\n").count == 5)   // header + 4 items
        #expect(await second.interrupt() == 0)
    }

    @Test func twoInstancesSurviveLosingOne() async throws {
        let up = UpProcess(arguments: ["--instances", "2"])
        try await up.start()
        let env = up.environment
        #expect(env["LUMA_VERSES"]?.split(separator: ",").count == 2)
        _ = try await lumactl(["content", "plan", "--from", "2027-03-01", "--to", "2027-03-04"], environment: env)
        let before = try await lumactl(["content", "generate", "--from", "2027-03-01", "--to", "2027-03-02"], environment: env)
        #expect(before.status == 0, "\(before.stderr)")

        // Kill one instance of every service; calls continue on the others.
        for name in ["verse-registry#1", "creator-registry#1", "content-pipeline#1"] {
            kill(try #require(up.pids[name]), SIGKILL)
        }
        for _ in 0..<4 {
            let health = try await lumactl(["verses", "validate", "Jn 3:16"], environment: env)
            #expect(health.status == 0, "\(health.stderr)")
        }
        let after = try await lumactl(["content", "generate", "--from", "2027-03-03", "--to", "2027-03-04"], environment: env)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.contains("generated 4 items"))
        let board = try await lumactl(["board", "--from", "2027-03-01", "--days", "4"], environment: env)
        #expect(board.stdout.contains("generated 8"))
        #expect(await up.interrupt() == 0)
        #expect(up.fullLog.contains("verse-registry#1 exited"))
    }
}
