import ArgumentParser
import CreatorsAPI
import Foundation
import LumaRPC

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "users", abstract: "Platform users.",
                                                    subcommands: [Add.self, List.self, SetPassword.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user.")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "Email address.") var email: String
        @Option(help: "Display name.") var name: String
        @Option(help: "admin or creator.") var role = "creator"

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let user = try await client.createUser(.with {
                    $0.email = email; $0.displayName = name
                    $0.role = role == "admin" ? .admin : role == "creator" ? .creator : .unspecified
                })
                if endpoints.json { return try Output.json(user) }
                print("user \(user.id): \(user.displayName) <\(user.email)> (\(role))")
            }
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a user's studio password (8-72 bytes), read from standard input so it stays out of the shell history.",
            discussion: "On a terminal it asks without echoing; otherwise the first line of standard input is the password: `printf '%s\\n' \"$PW\" | lumactl users set-password 2`.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument(help: "The user's id.") var id: Int64

        func run() async throws {
            try await reportingErrors {
                let password: String
                if isatty(0) == 1 {
                    guard let typed = getpass("password for user \(id): ") else { throw ValidationError("no password given") }
                    password = String(cString: typed)
                } else {
                    password = readLine(strippingNewline: true) ?? ""
                }
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                _ = try await client.setPassword(.with { $0.userID = id; $0.password = password })
                if endpoints.json { return try Output.json(Luma_Creators_V1_SetPasswordResponse()) }
                print("password set for user \(id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var endpoints: EndpointOptions

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let users = try await allPages { token in
                    let page = try await client.listUsers(.with { $0.pageToken = token; $0.pageSize = 1000 })
                    return (page.users, page.nextPageToken)
                }
                if endpoints.json { return try Output.json(Luma_Creators_V1_ListUsersResponse.with { $0.users = users }) }
                Output.table(["ID", "NAME", "EMAIL", "ROLE", "PASSWORD"], users.map { ["\($0.id)", $0.displayName, $0.email, $0.role == .admin ? "admin" : "creator", $0.passwordSet ? "set" : "none"] })
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user (refused while they have a creator profile).")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let result = try await client.deleteUser(.with { $0.id = id })
                if endpoints.json { return try Output.json(result) }
                print(result.deleted ? "deleted user \(id)" : "user \(id) did not exist")
            }
        }
    }
}

struct CreatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "creators", abstract: "Creator profiles.",
                                                    subcommands: [Add.self, List.self, Update.self, Deactivate.self, Remove.self])

    static func show(_ creators: [Luma_Creators_V1_Creator]) {
        Output.table(["ID", "NAME", "USER", "LANGUAGES", "CAPACITY", "MODES", "KIND", "ACTIVE"], creators.map { creator in
            let modes = [creator.canBible ? "bible" : nil, creator.canPositivity ? "positivity" : nil].compactMap { $0 }
            return ["\(creator.id)", creator.displayName, "\(creator.userID)", creator.languages.joined(separator: ","),
                    "\(creator.monthlyCapacity)", modes.isEmpty ? "-" : modes.joined(separator: ","),
                    creator.isAi ? "ai:\(creator.heygenAvatarID)" : "human", creator.active ? "yes" : "no"]
        })
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a creator profile for a user.")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "The user's id.") var user: Int64
        @Option(help: "Display name.") var name: String
        @Option(help: "Comma-separated ISO 639-1 codes.") var languages = "en"
        // .unconditional: "-1" is a value to refuse with a reason, not an unknown flag.
        @Option(parsing: .unconditional, help: "Videos per month.") var capacity: Int64 = 8
        @Flag(help: "Can film bible videos.") var bible = false
        @Flag(help: "Can film positivity videos.") var positivity = false
        @Option(help: "HeyGen avatar id: makes this an AI creator.") var avatar: String?
        @Option(help: "With --avatar: the vendor voice its videos speak with (default: content-pipeline's voice for the language).") var voice: String?

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let creator = try await client.createCreator(.with {
                    $0.userID = user; $0.displayName = name
                    $0.languages = try languageList(languages)
                    $0.monthlyCapacity = capacity; $0.canBible = bible; $0.canPositivity = positivity
                    if let avatar { $0.isAi = true; $0.heygenAvatarID = avatar }
                    if let voice { $0.avatarVoiceID = voice }
                })
                if endpoints.json { return try Output.json(creator) }
                CreatorsCommand.show([creator])
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List creators.")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "bible or positivity: only creators who can film it.") var mode: String?
        @Option(help: "Only creators speaking this language.") var language = ""
        @Flag(help: "Only active creators.") var active = false

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let creators = try await client.listCreators(.with {
                    $0.mode = mode == "bible" ? .bible : mode == "positivity" ? .positivity : .unspecified
                    $0.language = language
                    $0.active = active ? 1 : 0
                    $0.pageSize = 1000
                }).creators
                if endpoints.json { return try Output.json(Luma_Creators_V1_ListCreatorsResponse.with { $0.creators = creators }) }
                CreatorsCommand.show(creators)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change some fields of a creator; the others stay as they are.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64
        @Option var name: String?
        @Option(help: "Comma-separated ISO 639-1 codes.") var languages: String?
        @Option(parsing: .unconditional, help: "Videos per month.") var capacity: Int64?
        @Option(help: "true or false.") var bible: Bool?
        @Option(help: "true or false.") var positivity: Bool?
        @Option(help: "true or false.") var active: Bool?
        @Option(help: "An AI creator's vendor voice; empty: content-pipeline's voice for the language.") var voice: String?

        func run() async throws {
            try await reportingErrors {
                var request = Luma_Creators_V1_UpdateCreatorRequest()
                if let voice { request.fields.append("avatar_voice_id"); request.avatarVoiceID = voice }
                request.id = id
                if let name { request.fields.append("display_name"); request.displayName = name }
                if let languages { request.fields.append("languages"); request.languages = try languageList(languages) }
                if let capacity { request.fields.append("monthly_capacity"); request.monthlyCapacity = capacity }
                if let bible { request.fields.append("can_bible"); request.canBible = bible }
                if let positivity { request.fields.append("can_positivity"); request.canPositivity = positivity }
                if let active { request.fields.append("active"); request.active = active }
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let creator = try await client.updateCreator(request)
                if endpoints.json { return try Output.json(creator) }
                CreatorsCommand.show([creator])
            }
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a creator from receiving assignments.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let creator = try await client.deactivateCreator(.with { $0.id = id })
                if endpoints.json { return try Output.json(creator) }
                print("creator \(creator.id) (\(creator.displayName)) is inactive")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a creator; their content keeps its history with no creator.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Creators_V1_CreatorRegistryClient(try endpoints.creatorsClient())
                let result = try await client.deleteCreator(.with { $0.id = id })
                if endpoints.json { return try Output.json(result) }
                print(result.deleted ? "deleted creator \(id)" : "creator \(id) did not exist")
            }
        }
    }
}

/// `--languages en,es`: at least one code; an empty list is refused here rather than read as
/// "the default" by the service.
func languageList(_ text: String) throws -> [String] {
    let codes = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !codes.isEmpty else {
        throw ValidationError("--languages must list at least one ISO 639-1 code, e.g. en or en,es")
    }
    return codes
}
