import CreatorsAPI
import Hummingbird
import LumaRPC

/// Creators and users: list, create, deactivate, remove, set passwords. A refusal (the
/// RESTRICT on a user who still has a creator profile, a duplicate email) is shown in words
/// next to the field it names.
extension Studio {
    func addPeopleRoutes(_ router: RouterGroup<Context>) {
        router.get("/creators") { _, context in
            try await page(context) { session in
                let creators = try await backend.creators.listCreators(.with { $0.pageSize = 1000 }).creators
                let users = try await backend.creators.listUsers(.with { $0.pageSize = 1000 }).users
                return PeoplePages.creators(creators, users: users, session: session, flash: context.takeFlash())
            }
        }
        router.post("/creators") { request, context in
            try await action(request, context, CreatorForm.self, back: "/creators") { _, form in
                guard let user = Int64(trimmed(form.userID)) else { throw RPCError.invalidArgument("choose a user", field: "user_id") }
                guard let capacity = Int64(trimmed(form.monthlyCapacity)) else {
                    throw RPCError.invalidArgument("monthly capacity must be a whole number", field: "monthly_capacity")
                }
                let avatar = trimmed(form.heygenAvatarID)
                let creator = try await backend.creators.createCreator(.with {
                    $0.userID = user; $0.displayName = trimmed(form.displayName); $0.languages = commaList(form.languages)
                    $0.monthlyCapacity = capacity; $0.canBible = form.canBible != nil; $0.canPositivity = form.canPositivity != nil
                    $0.isAi = !avatar.isEmpty; $0.heygenAvatarID = avatar
                })
                return Outcome(message: "Created creator \(creator.id), \(creator.displayName).")
            }
        }
        router.get("/creators/:id") { _, context in
            try await page(context) { session in
                let creator = try await backend.creators.getCreator(.with { $0.id = (try? Self.id(context)) ?? 0 })
                return PeoplePages.editCreator(creator, session: session, flash: context.takeFlash())
            }
        }
        router.post("/creators/:id") { request, context in
            let id = (try? Self.id(context)) ?? 0
            return try await action(request, context, CreatorForm.self, back: "/creators/\(id)") { _, form in
                guard let capacity = Int64(trimmed(form.monthlyCapacity)) else {
                    throw RPCError.invalidArgument("monthly capacity must be a whole number", field: "monthly_capacity")
                }
                let avatar = trimmed(form.heygenAvatarID)
                let creator = try await backend.creators.updateCreator(.with {
                    $0.id = id
                    $0.fields = ["display_name", "languages", "monthly_capacity", "can_bible", "can_positivity", "is_ai", "heygen_avatar_id", "active"]
                    $0.displayName = trimmed(form.displayName)
                    $0.languages = commaList(form.languages)
                    $0.monthlyCapacity = capacity
                    $0.canBible = form.canBible != nil
                    $0.canPositivity = form.canPositivity != nil
                    $0.isAi = !avatar.isEmpty
                    $0.heygenAvatarID = avatar
                    $0.active = form.active != nil
                })
                return Outcome(message: "Saved \(creator.displayName).", redirect: "/creators")
            }
        }
        router.post("/creators/:id/deactivate") { request, context in
            try await action(request, context, TokenForm.self, back: "/creators") { _, _ in
                let creator = try await backend.creators.deactivateCreator(.with { $0.id = (try? Self.id(context)) ?? 0 })
                return Outcome(message: "Deactivated \(creator.displayName).")
            }
        }
        router.post("/creators/:id/delete") { request, context in
            try await action(request, context, TokenForm.self, back: "/creators") { _, _ in
                let id = (try? Self.id(context)) ?? 0
                let deleted = try await backend.creators.deleteCreator(.with { $0.id = id }).deleted
                return Outcome(message: deleted ? "Removed creator \(id); their items are unassigned." : "Creator \(id) was already removed.")
            }
        }
        router.get("/users") { _, context in
            try await page(context) { session in
                let users = try await backend.creators.listUsers(.with { $0.pageSize = 1000 }).users
                return PeoplePages.users(users, session: session, flash: context.takeFlash())
            }
        }
        router.post("/users") { request, context in
            try await action(request, context, UserForm.self, back: "/users") { _, form in
                let role: Luma_Creators_V1_Role = trimmed(form.role) == "admin" ? .admin : .creator
                // One call: a refused password leaves no user behind.
                let user = try await backend.creators.createUser(.with {
                    $0.email = trimmed(form.email); $0.displayName = trimmed(form.displayName); $0.role = role
                    $0.password = form.password ?? ""
                })
                return Outcome(message: "Created user \(user.id), \(user.email).")
            }
        }
        router.post("/users/:id/delete") { request, context in
            try await action(request, context, TokenForm.self, back: "/users") { _, _ in
                let id = (try? Self.id(context)) ?? 0
                do {
                    let deleted = try await backend.creators.deleteUser(.with { $0.id = id }).deleted
                    return Outcome(message: deleted ? "Removed user \(id)." : "User \(id) was already removed.")
                } catch let error as RPCError where error.code == .failedPrecondition {
                    throw RPCError(.failedPrecondition, "User \(id) still has a creator profile, so it cannot be removed. "
                        + "Remove the creator first (on the Creators page); then remove the user.", field: "user-\(id)")
                }
            }
        }
        router.post("/users/:id/password") { request, context in
            try await action(request, context, PasswordForm.self, back: "/users") { _, form in
                let id = (try? Self.id(context)) ?? 0
                do {
                    _ = try await backend.creators.setPassword(.with { $0.userID = id; $0.password = form.password ?? "" })
                } catch let error as RPCError where error.field == "password" {
                    throw RPCError(error.code, error.message, field: "password-\(id)")
                }
                return Outcome(message: "Set the password of user \(id).")
            }
        }
    }
}
