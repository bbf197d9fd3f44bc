import CreatorsAPI
import LumaRPC

/// A few users and creators so a fresh stack can run the README walkthrough.
enum DemoData {
    /// The demo sign-ins `lumactl up` prints (a local stack's only; never for a real one).
    static let adminEmail = "admin@luma.example"
    static let adminPassword = "luma-admin-demo"
    static let creatorEmail = "grace@luma.example"
    static let creatorPassword = "luma-creator-demo"

    /// Seeds only when creator-registry has no users, so a second `up` keeps what is there.
    static func seedIfEmpty(_ creators: Luma_Creators_V1_CreatorRegistryClient) async throws -> Bool {
        guard try await creators.listUsers(.with { $0.pageSize = 1 }).users.isEmpty else { return false }
        _ = try await creators.createUser(.with {
            $0.email = adminEmail; $0.displayName = "Luma Admin"; $0.role = .admin; $0.password = adminPassword
        })
        let people: [(email: String, name: String, languages: [String], capacity: Int64, bible: Bool, positivity: Bool, avatar: String?)] = [
            ("grace@luma.example", "Grace Lee", ["en"], 8, true, true, nil),
            ("mateo@luma.example", "Mateo Ruiz", ["es", "en"], 6, false, true, nil),
            ("studio@luma.example", "Ava (AI)", ["en", "es"], 31, true, true, "ava-heygen-01"),
        ]
        for person in people {
            let user = try await creators.createUser(.with {
                $0.email = person.email; $0.displayName = person.name; $0.role = .creator; $0.password = creatorPassword
            })
            _ = try await creators.createCreator(.with {
                $0.userID = user.id
                $0.displayName = person.name
                $0.languages = person.languages
                $0.monthlyCapacity = person.capacity
                $0.canBible = person.bible
                $0.canPositivity = person.positivity
                if let avatar = person.avatar { $0.isAi = true; $0.heygenAvatarID = avatar }
            })
        }
        return true
    }
}
