import Hummingbird
import HummingbirdAuth

/// hummingbird-auth's authenticator step: the session `SessionMiddleware` loaded becomes the
/// request's identity (with its id, the cookie's value), and its idle time starts again.
struct StudioAuthenticator: AuthenticatorMiddleware {
    typealias Context = StudioRequestContext
    let sessions: SessionStore

    func authenticate(request: Request, context: Context) async throws -> StudioSession? {
        guard var session = context.sessions.session, let id = sessions.storage.getId(request: request) else { return nil }
        session.id = id
        try await sessions.touch(session, request: request)
        return session
    }
}

/// The routes behind it need someone signed in: without a session, to sign-in; with a cookie
/// naming a session the studio no longer has (it expired), to sign-in saying so, the cookie
/// cleared.
struct SignedInMiddleware: RouterMiddleware {
    typealias Context = StudioRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.identity != nil { return try await next(request, context) }
        guard request.cookies[Studio.cookieName] != nil else { return Studio.redirect("/sign-in") }
        var response = Studio.redirect("/sign-in?expired=1")
        response.setCookie(Studio.clearedSessionCookie)
        return response
    }
}

/// Admin-only or creator-only routes: anyone else gets a 403 page saying whose they are.
struct RoleMiddleware: RouterMiddleware {
    typealias Context = StudioRequestContext
    let role: StudioSession.Role

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let session = try context.person
        guard session.role == role else {
            let what = request.method == .get ? "This page is for \(role.rawValue)s." : "Only \(role.rawValue)s can do this."
            return Studio.html(ErrorPage.render(status: 403, title: "Not for \(session.role.rawValue)s", message: what, session: session),
                               status: .forbidden)
        }
        return try await next(request, context)
    }
}
