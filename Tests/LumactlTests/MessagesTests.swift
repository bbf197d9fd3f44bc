import Foundation
import LumaRPC
import LumaRPCNIO
import LumaTestSupport
import Testing

/// What a new user reads when something is wrong: which service, where, and what to do.
@Suite("lumactl messages", .serialized)
struct MessagesTests {
    @Test func anUnreachableServiceIsNamedWithItsAddressAndTheWayToStartIt() async throws {
        let port = try await reservePort()     // nothing listens there now
        let result = try await lumactl(["creators", "list"], environment: ["LUMA_CREATORS": "127.0.0.1:\(port)", "LUMA_DATA_DIR": temporaryDirectory()])
        #expect(result.status == 14)
        #expect(result.stderr.contains("creator-registry at 127.0.0.1:\(port) could not be reached"))
        #expect(result.stderr.contains("connection refused"))
        #expect(result.stderr.contains("lumactl up"))
        #expect(!result.stderr.contains("SingleConnectionFailure"))
    }

    @Test func creatorFlagsAreCheckedBeforeAnythingIsSent() async throws {
        let environment = ["LUMA_DATA_DIR": temporaryDirectory()]
        let empty = try await lumactl(["creators", "add", "--user", "1", "--name", "X", "--languages", ""], environment: environment)
        #expect(empty.status != 0 && empty.stderr.contains("--languages must list at least one ISO 639-1 code"))
        // "-1" is a value (refused by the service with a reason), not an unknown flag.
        let negative = try await lumactl(["creators", "add", "--user", "1", "--name", "X", "--capacity", "-1", "--bible",
                                          "--creators", "127.0.0.1:9"], environment: environment)
        #expect(!negative.stderr.contains("Missing value"))
        #expect(negative.status == 14)
    }

    @Test func aMissingTokenSaysWhereTokensComeFrom() async throws {
        let up = UpProcess()
        try await up.start()
        var environment = up.environment
        environment["LUMA_DATA_DIR"] = temporaryDirectory()     // no key there: no token
        let result = try await lumactl(["creators", "list"], environment: environment)
        #expect(result.status == 16)
        #expect(result.stderr.contains("no token was sent"))
        #expect(result.stderr.contains("auth.key") && result.stderr.contains("LUMA_TOKEN"))
        #expect(await up.interrupt() == 0)
    }

    @Test func endpointOptionsMayComeBeforeTheSubcommand() async throws {
        let port = try await reservePort()
        let result = try await lumactl(["--content", "127.0.0.1:\(port)", "--timeout", "5", "content", "list"],
                                       environment: ["LUMA_DATA_DIR": temporaryDirectory()])
        #expect(result.status == 14)      // parsed, and the call went where --content said
        #expect(result.stderr.contains("content-pipeline at 127.0.0.1:\(port)"))
    }

    @Test func aZeroTimeoutIsRefusedWithAReason() async throws {
        let result = try await lumactl(["content", "list", "--timeout", "0"], environment: [:])
        #expect(result.status != 0 && result.stderr.contains("--timeout must be a number of seconds above 0"))
    }

    @Test func theHelpOverviewHasNoRunsOfSpaces() async throws {
        let help = try await lumactl(["--help"], environment: [:])
        let overview = help.stdout.components(separatedBy: "USAGE:")[0]
        #expect(!overview.contains("  "), "\(overview)")
    }
}

@Suite("lumactl exit codes", .serialized)
struct ExitCodeTests {
    /// Partial failure over a range: the others are generated, and the exit status is the first
    /// failure's code, with and without --json.
    @Test func aRangeWithFailuresExitsWithTheFirstFailuresCodeWithOrWithoutJSON() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        _ = try await lumactl(["content", "plan", "--from", "2027-05-01", "--to", "2027-05-02"], environment: env)
        let text = try await lumactl(["content", "generate", "--from", "2027-05-01", "--to", "2027-05-01", "--category", "no-such"], environment: env)
        #expect(text.status == 5, "\(text.stderr)")
        #expect(text.stderr.contains("not generated") && text.stdout.contains("generated 1 item"))
        let json = try await lumactl(["content", "generate", "--from", "2027-05-02", "--to", "2027-05-02", "--category", "no-such", "--json"], environment: env)
        #expect(json.status == 5, "\(json.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((document?["failures"] as? [Any])?.count == 1)
        #expect(await up.interrupt() == 0)
    }

    /// --json prints one JSON document for every command, and `outbox` shows each service even
    /// when one is down (exiting with the unreachable one's status).
    @Test func jsonIsOneDocumentAndTheOutboxShowsEachServiceEvenWithOneDown() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        func document(_ arguments: [String], environment: [String: String]? = nil) async throws -> (Int32, [String: Any]?) {
            let result = try await lumactl(arguments + ["--json"], environment: environment ?? env)
            return (result.status, try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        let user = try await document(["users", "add", "--email", "json@example.com", "--name", "J", "--role", "creator"])
        let userID = try #require(user.1?["id"] as? String ?? (user.1?["id"] as? Int).map(String.init))
        let creator = try await document(["creators", "add", "--user", userID, "--name", "J", "--positivity"])
        let creatorID = try #require(creator.1?["id"] as? String ?? (creator.1?["id"] as? Int).map(String.init))
        for arguments in [["creators", "deactivate", creatorID], ["creators", "remove", creatorID], ["users", "remove", userID],
                          ["outbox"], ["outbox", "retry"]] {
            let (status, object) = try await document(arguments)
            #expect(status == 0 && object != nil, "\(arguments)")
        }
        _ = try await lumactl(["content", "plan", "--from", "2027-06-01", "--to", "2027-06-01"], environment: env)
        let deleted = try await document(["content", "delete", "1"])
        #expect(deleted.1?["deleted"] as? Bool == true)

        var contentDown = env
        contentDown["LUMA_CONTENT"] = "127.0.0.1:\(try await reservePort())"
        let partial = try await document(["outbox"], environment: contentDown)
        #expect(partial.0 == 14)
        #expect(partial.1?["creator-registry"] as? [String: Any] != nil)
        #expect(((partial.1?["content-pipeline"] as? [String: Any])?["unreachable"] as? String)?.hasPrefix("UNAVAILABLE") == true)
        let table = try await lumactl(["outbox"], environment: contentDown)
        #expect(table.status == 14 && table.stdout.contains("creator-registry") && table.stdout.contains("unreachable"))
        #expect(await up.interrupt() == 0)
    }
}

@Suite("lumactl workflow commands", .serialized)
struct WorkflowGapTests {
    @Test func topicsTranslationsUnassignAndTranslationChoice() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        let topics = try await lumactl(["verses", "topics", "assurance"], environment: env)
        #expect(topics.status == 0 && topics.stdout.uppercased().contains("ASSURANCE"), "\(topics.stdout)")
        let translations = try await lumactl(["verses", "translations"], environment: env)
        #expect(translations.status == 0 && translations.stdout.contains("kjv") && translations.stdout.contains("King James Version"))

        _ = try await lumactl(["content", "plan", "--from", "2027-07-01", "--to", "2027-07-01"], environment: env)
        let unknown = try await lumactl(["content", "generate", "--from", "2027-07-01", "--to", "2027-07-01", "--translation", "nope"], environment: env)
        #expect(unknown.status == 5 && unknown.stderr.contains("unknown translation 'nope'"), "\(unknown.stderr)")
        let generated = try await lumactl(["content", "generate", "--from", "2027-07-01", "--to", "2027-07-01", "--translation", "kjv"], environment: env)
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(try await lumactl(["content", "assign", "1", "--auto"], environment: env).status == 0)
        let unassigned = try await lumactl(["content", "unassign", "1"], environment: env)
        #expect(unassigned.status == 0 && unassigned.stdout.contains("item 1 unassigned"))
        let again = try await lumactl(["content", "unassign", "1"], environment: env)
        #expect(again.status == 9)
        #expect(await up.interrupt() == 0)
    }
}

@Suite("lumactl verse choice", .serialized)
struct VerseChoiceCommandTests {
    /// An editor pins, lists, excludes and resets picks; generation takes the pin; a Spanish
    /// reference validates.
    @Test func editorsSteerWhatGenerationPicks() async throws {
        let up = UpProcess()
        try await up.start()
        let env = up.environment
        let pinned = try await lumactl(["verses", "pin", "hope", "Ps 121:1-2", "--position", "1"], environment: env)
        #expect(pinned.status == 0, "\(pinned.stderr)")
        #expect(pinned.stdout.contains("pinned Ps 121:1-2 in hope") && pinned.stdout.contains("Psalms 121:1-2"))
        let picks = try await lumactl(["verses", "picks", "hope", "--limit", "3"], environment: env)
        #expect(picks.stdout.split(separator: "\n").dropFirst().first?.contains("Psalms 121:1-2") == true, "\(picks.stdout)")
        #expect(picks.stdout.contains("pinned") && picks.stdout.contains("curated"))
        _ = try await lumactl(["content", "plan", "--from", "2027-08-01", "--to", "2027-08-01", "--modes", "bible"], environment: env)
        let generated = try await lumactl(["content", "generate", "--from", "2027-08-01", "--to", "2027-08-01", "--category", "hope"], environment: env)
        #expect(generated.stdout.contains("Psalms 121:1-2"), "\(generated.stdout)")
        let excluded = try await lumactl(["verses", "exclude", "hope", "Jer 29:11"], environment: env)
        #expect(excluded.status == 0 && !excluded.stdout.contains("Jeremiah 29:11"))
        let reset = try await lumactl(["verses", "reset", "hope", "Jer 29:11"], environment: env)
        #expect(reset.status == 0 && reset.stdout.contains("Jeremiah 29:11"))
        let missing = try await lumactl(["verses", "reset", "hope", "Jer 29:11"], environment: env)
        #expect(missing.status == 5 && missing.stderr.contains("(field reference)"), "\(missing.stderr)")
        let spanish = try await lumactl(["verses", "validate", "Juan 3:16"], environment: env)
        #expect(spanish.status == 0 && spanish.stdout.hasPrefix("John 3:16"), "\(spanish.stderr)")
        #expect(await up.interrupt() == 0)
    }
}

@Suite("lumactl up keeps to itself", .serialized)
struct UpSafetyTests {
    @Test func aSecondUpOnTheSameDataDirectoryIsRefusedAndTouchesNothing() async throws {
        let up = UpProcess()
        try await up.start()
        let logs = up.dataDir + "/logs"
        let before = try FileManager.default.contentsOfDirectory(atPath: logs).map { (try? Data(contentsOf: URL(fileURLWithPath: logs + "/" + $0)).count) ?? 0 }
        let second = try await runCommand("lumactl", ["up", "--data-dir", up.dataDir, "--base-port", "0"])
        #expect(second.status != 0)
        #expect(second.stderr.contains("is in use by another lumactl up (pid"), "\(second.stderr)")
        let after = try FileManager.default.contentsOfDirectory(atPath: logs).map { (try? Data(contentsOf: URL(fileURLWithPath: logs + "/" + $0)).count) ?? 0 }
        #expect(zip(before, after).allSatisfy { $0 <= $1 }, "logs were truncated")
        #expect(await up.interrupt() == 0)
    }

    @Test func aPortInUseIsRefusedBeforeAnythingStarts() async throws {
        let blocker = RPCServer(configuration: .init(port: 0), services: [])
        let port = try #require(try await blocker.start().port)
        let result = try await runCommand("lumactl", ["up", "--data-dir", temporaryDirectory(), "--base-port", "\(port)"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("port \(port) on 127.0.0.1 is in use"), "\(result.stderr)")
        await blocker.shutdown()
    }

    /// Killed without a chance to stop them, lumactl up's services stop by themselves.
    @Test func theServicesStopWhenUpIsKilled() async throws {
        let up = UpProcess()
        try await up.start()
        let children = Array(up.pids.values)
        #expect(children.count == 4)   // the four services (the studio is not listed with a pid line)
        kill(up.process.processIdentifier, SIGKILL)
        #expect(await eventually(timeout: .seconds(15)) { children.allSatisfy { kill($0, 0) != 0 } })
    }
}
