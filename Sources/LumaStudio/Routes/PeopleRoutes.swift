import CreatorsAPI
import Hummingbird
import LumaRPC

/// Creators and users: list, create, deactivate, remove, set passwords. A refusal (the
/// RESTRICT on a user who still has a creator profile, a duplicate email) is shown in words
/// next to the field it names.
extension Studio {
    func addPeopleRoutes(_ router: Router<Context>) {
        router.get("/creators") { request, _ in
            try await page(request, title: "Creators", role: .admin) { session in
                let creators = try await backend.creators.listCreators(.with { $0.pageSize = 1000 }).creators
                let users = try await backend.creators.listUsers(.with { $0.pageSize = 1000 }).users
                return PeoplePages.creators(creators, users: users, session: session, flash: sessions.takeFlash(session.id))
            }
        }
        router.post("/creators") { request, _ in
            try await action(request, back: "/creators", role: .admin) { _, form in
                guard let user = Int64(form.text("user_id")) else { throw RPCError.invalidArgument("choose a user", field: "user_id") }
                let languages = form.text("languages").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let capacity = Int64(form.text("monthly_capacity")) else {
                    throw RPCError.invalidArgument("monthly capacity must be a whole number", field: "monthly_capacity")
                }
                let avatar = form.text("heygen_avatar_id")
                let creator = try await backend.creators.createCreator(.with {
                    $0.userID = user; $0.displayName = form.text("display_name"); $0.languages = languages
                    $0.monthlyCapacity = capacity; $0.canBible = form["can_bible"] != nil; $0.canPositivity = form["can_positivity"] != nil
                    $0.isAi = !avatar.isEmpty; $0.heygenAvatarID = avatar
                })
                return ("Created creator \(creator.id), \(creator.displayName).", nil)
            }
        }
        router.get("/creators/:id") { request, context in
            try await page(request, title: "Creator", role: .admin) { session in
                let creator = try await backend.creators.getCreator(.with { $0.id = (try? Self.id(context)) ?? 0 })
                return PeoplePages.editCreator(creator, session: session, flash: sessions.takeFlash(session.id))
            }
        }
        router.post("/creators/:id") { request, context in
            let id = (try? Self.id(context)) ?? 0
            return try await action(request, back: "/creators/\(id)", role: .admin) { _, form in
                guard let capacity = Int64(form.text("monthly_capacity")) else {
                    throw RPCError.invalidArgument("monthly capacity must be a whole number", field: "monthly_capacity")
                }
                let avatar = form.text("heygen_avatar_id")
                let creator = try await backend.creators.updateCreator(.with {
                    $0.id = id
                    $0.fields = ["display_name", "languages", "monthly_capacity", "can_bible", "can_positivity", "is_ai", "heygen_avatar_id", "active"]
                    $0.displayName = form.text("display_name")
                    $0.languages = form.text("languages").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    $0.monthlyCapacity = capacity
                    $0.canBible = form["can_bible"] != nil
                    $0.canPositivity = form["can_positivity"] != nil
                    $0.isAi = !avatar.isEmpty
                    $0.heygenAvatarID = avatar
                    $0.active = form["active"] != nil
                })
                return ("Saved \(creator.displayName).", "/creators")
            }
        }
        router.post("/creators/:id/deactivate") { request, context in
            try await action(request, back: "/creators", role: .admin) { _, _ in
                let creator = try await backend.creators.deactivateCreator(.with { $0.id = (try? Self.id(context)) ?? 0 })
                return ("Deactivated \(creator.displayName).", nil)
            }
        }
        router.post("/creators/:id/delete") { request, context in
            try await action(request, back: "/creators", role: .admin) { _, _ in
                let id = (try? Self.id(context)) ?? 0
                let deleted = try await backend.creators.deleteCreator(.with { $0.id = id }).deleted
                return (deleted ? "Removed creator \(id); their items are unassigned." : "Creator \(id) was already removed.", nil)
            }
        }
        router.get("/users") { request, _ in
            try await page(request, title: "Users", role: .admin) { session in
                let users = try await backend.creators.listUsers(.with { $0.pageSize = 1000 }).users
                return PeoplePages.users(users, session: session, flash: sessions.takeFlash(session.id))
            }
        }
        router.post("/users") { request, _ in
            try await action(request, back: "/users", role: .admin) { _, form in
                let role: Luma_Creators_V1_Role = form.text("role") == "admin" ? .admin : .creator
                // One call: a refused password leaves no user behind.
                let user = try await backend.creators.createUser(.with {
                    $0.email = form.text("email"); $0.displayName = form.text("display_name"); $0.role = role
                    $0.password = form["password"] ?? ""
                })
                return ("Created user \(user.id), \(user.email).", nil)
            }
        }
        router.post("/users/:id/delete") { request, context in
            try await action(request, back: "/users", role: .admin) { _, _ in
                let id = (try? Self.id(context)) ?? 0
                do {
                    let deleted = try await backend.creators.deleteUser(.with { $0.id = id }).deleted
                    return (deleted ? "Removed user \(id)." : "User \(id) was already removed.", nil)
                } catch let error as RPCError where error.code == .failedPrecondition {
                    throw RPCError(.failedPrecondition, "User \(id) still has a creator profile, so it cannot be removed. "
                        + "Remove the creator first (on the Creators page); then remove the user.", field: "user-\(id)")
                }
            }
        }
        router.post("/users/:id/password") { request, context in
            try await action(request, back: "/users", role: .admin) { _, form in
                let id = (try? Self.id(context)) ?? 0
                do {
                    _ = try await backend.creators.setPassword(.with { $0.userID = id; $0.password = form["password"] ?? "" })
                } catch let error as RPCError where error.field == "password" {
                    throw RPCError(error.code, error.message, field: "password-\(id)")
                }
                return ("Set the password of user \(id).", nil)
            }
        }
    }
}
