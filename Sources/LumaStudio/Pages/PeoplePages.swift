import CreatorsAPI

/// The creators and users pages.
enum PeoplePages {
    static func creators(_ creators: [Luma_Creators_V1_Creator], users: [Luma_Creators_V1_User], session: StudioSession,
                         flash: StudioSession.Flash?) -> HTML {
        let csrf = Layout.csrf(session)
        let rows: [HTML] = creators.map { creator in
            let modes = [creator.canBible ? "bible" : nil, creator.canPositivity ? "positivity" : nil].compactMap { $0 }.joined(separator: ", ")
            let deactivate: HTML = creator.active
                ? "<form method=\"post\" action=\"/creators/\(creator.id)/deactivate\" class=\"inline\">\(csrf)<button type=\"submit\" class=\"secondary\">Deactivate</button></form>"
                : ""
            return """
                <tr><td>\(creator.id)</td><td><a href="/creators/\(creator.id)">\(creator.displayName)</a>\(creator.isAi ? " (AI: \(creator.heygenAvatarID))" : "")</td>
                <td>\(creator.userID)</td><td>\(creator.languages.joined(separator: ", "))</td><td>\(creator.monthlyCapacity)</td>
                <td>\(modes)</td><td>\(creator.active ? "active" : "inactive")</td>
                <td>\(deactivate)<form method="post" action="/creators/\(creator.id)/delete" class="inline">\(csrf)<button type="submit" class="danger">Remove</button></form></td></tr>
                """
        }
        let profiles = Set(creators.map(\.userID))
        let options: [HTML] = users.filter { $0.role == .creator && !profiles.contains($0.id) }.map {
            "<option value=\"\($0.id)\">\($0.displayName) (\($0.email))</option>"
        }
        return Layout.page("Creators", session: session, flash: flash, """
            <div class="table-scroll"><table><caption>Creators</caption>
            <thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">User</th><th scope="col">Languages</th>
            <th scope="col">Capacity / month</th><th scope="col">Modes</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            <section class="card" aria-labelledby="new-creator"><h2 id="new-creator">New creator</h2>
            <form method="post" action="/creators">\(csrf)
            <p class="field"><label for="field-user_id">User (a creator without a profile)</label>
            <select id="field-user_id" name="user_id">\(options)</select>\(Layout.fieldError("user_id", flash: flash))</p>
            \(Layout.field("Display name", name: "display_name", required: true, flash: flash))
            \(Layout.field("Languages (comma-separated)", name: "languages", value: "en", flash: flash))
            \(Layout.field("Monthly capacity", name: "monthly_capacity", type: "number", value: "8", flash: flash, extra: "min=\"0\""))
            <fieldset><legend>Can film</legend>
            <label><input type="checkbox" name="can_bible" checked> bible</label>
            <label><input type="checkbox" name="can_positivity" checked> positivity</label></fieldset>
            \(Layout.field("AI avatar id (AI creators only)", name: "heygen_avatar_id", flash: flash))
            <p><button type="submit">Create creator</button></p></form></section>
            """)
    }

    static func users(_ users: [Luma_Creators_V1_User], session: StudioSession, flash: StudioSession.Flash?) -> HTML {
        let csrf = Layout.csrf(session)
        let rows: [HTML] = users.map { user in
            """
            <tr><td>\(user.id)</td><td>\(user.displayName)</td><td>\(user.email)</td><td>\(user.role == .admin ? "admin" : "creator")</td>
            <td>\(user.passwordSet ? "set" : "none")</td>
            <td><form method="post" action="/users/\(user.id)/password" class="inline">\(csrf)
            <label for="field-password-\(user.id)" class="visually-hidden">New password for \(user.email)</label>
            <input id="field-password-\(user.id)" name="password" type="password" autocomplete="new-password" minlength="8" required>
            <button type="submit" class="secondary">Set password</button>\(Layout.fieldError("password-\(user.id)", flash: flash))</form>
            <form method="post" action="/users/\(user.id)/delete" class="inline">\(csrf)<button type="submit" class="danger">Remove</button></form>
            \(Layout.fieldError("user-\(user.id)", flash: flash))</td></tr>
            """
        }
        return Layout.page("Users", session: session, flash: flash, """
            <div class="table-scroll"><table><caption>Users</caption>
            <thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th>
            <th scope="col">Password</th><th scope="col">Actions</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            <section class="card" aria-labelledby="new-user"><h2 id="new-user">New user</h2>
            <form method="post" action="/users">\(csrf)
            \(Layout.field("Email", name: "email", type: "email", required: true, flash: flash))
            \(Layout.field("Display name", name: "display_name", required: true, flash: flash))
            <p class="field"><label for="field-role">Role</label><select id="field-role" name="role">
            <option value="creator">creator</option><option value="admin">admin</option></select>\(Layout.fieldError("role", flash: flash))</p>
            \(Layout.field("Password (8-72 characters; optional)", name: "password", type: "password", flash: flash, extra: "autocomplete=\"new-password\""))
            <p><button type="submit">Create user</button></p></form></section>
            """)
    }
}

extension PeoplePages {
    /// One creator's profile, editable.
    static func editCreator(_ creator: Luma_Creators_V1_Creator, session: StudioSession, flash: StudioSession.Flash?) -> HTML {
        func checked(_ on: Bool) -> HTML { on ? " checked" : "" }
        return Layout.page("Creator \(creator.id): \(creator.displayName)", session: session, flash: flash, """
            <p><a href="/creators">Back to the creators</a></p>
            <form method="post" action="/creators/\(creator.id)" class="card">\(Layout.csrf(session))
            \(Layout.field("Display name", name: "display_name", value: creator.displayName, required: true, flash: flash))
            \(Layout.field("Languages (comma-separated)", name: "languages", value: creator.languages.joined(separator: ","), flash: flash))
            \(Layout.field("Monthly capacity", name: "monthly_capacity", type: "number", value: "\(creator.monthlyCapacity)", flash: flash, extra: "min=\"0\""))
            <fieldset><legend>Can film</legend>
            <label><input type="checkbox" name="can_bible"\(checked(creator.canBible))> bible</label>
            <label><input type="checkbox" name="can_positivity"\(checked(creator.canPositivity))> positivity</label>
            \(Layout.fieldError("can_bible", flash: flash))</fieldset>
            \(Layout.field("AI avatar id (AI creators only)", name: "heygen_avatar_id", value: creator.heygenAvatarID, flash: flash))
            <p><label><input type="checkbox" name="active"\(checked(creator.active))> active (can be assigned)</label></p>
            <p><button type="submit">Save</button></p></form>
            """)
    }
}
