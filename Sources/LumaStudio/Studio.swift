import Foundation
import Hummingbird
import HummingbirdAuth
import LumaAuth
import LumaRPC
import Logging

/// luma-studio: the web app admins and creators work in. Server-rendered HTML over the four
/// services' RPC APIs; no state of its own but sessions (and uploads on their way to media-store).
/// It shows what the services say: which moves an item allows, who it may go to, what failed
/// and where. The rules live in content-pipeline (docs/studio.md).
public struct Studio: Sendable {
    public let backend: StudioBackend
    public let sessions: SessionStore
    /// Marks the session cookie Secure (behind HTTPS).
    public let secureCookies: Bool
    /// The largest video (or thumbnail) file the upload form takes: media-store's default cap.
    public let maxUploadSize: Int64
    /// Where uploads are spooled before they go to media-store (a folder per upload, removed after).
    public let spoolDirectory: String
    let logger: Logger

    public init(backend: StudioBackend, sessions: SessionStore = SessionStore(), secureCookies: Bool = false,
                maxUploadSize: Int64 = 1 << 30, spoolDirectory: String = NSTemporaryDirectory(),
                logger: Logger = Logger(label: "luma-studio")) {
        self.backend = backend
        self.sessions = sessions
        self.secureCookies = secureCookies
        self.maxUploadSize = maxUploadSize
        self.spoolDirectory = spoolDirectory
        self.logger = logger
    }

    public typealias Context = StudioRequestContext

    /// Every route. Sessions and the signed-in person come from hummingbird-auth's middleware;
    /// who may reach a route is said once, by the group it is in.
    public func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.get("/studio.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: StudioStyle.css)))
        }
        router.get("/studio-upload.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: StudioScript.upload)))
        }
        router.get("/health") { _, _ in "ok" }
        let people = router.group()
            .add(middleware: SessionMiddleware(sessionStorage: sessions.storage, defaultSessionExpiration: sessions.idleTimeout))
            .add(middleware: StudioAuthenticator(sessions: sessions))
        addAuthRoutes(people)
        let signedIn = people.group().add(middleware: SignedInMiddleware())
        let admin = signedIn.group().add(middleware: RoleMiddleware(role: .admin))
        let creator = signedIn.group().add(middleware: RoleMiddleware(role: .creator))
        addItemRoutes(signedIn)
        addAdminRoutes(admin)
        addReviewRoutes(admin)
        addCreatorRoutes(creator)
        addPeopleRoutes(admin)
        addOperationsRoutes(admin)
        addMediaRoutes(signedIn)
        signedIn.get("/") { _, context in
            Self.redirect(try context.person.role == .admin ? "/calendar" : "/assignments")
        }
        return router
    }

    // MARK: Page and action plumbing

    static let cookieName = "luma_session"

    /// The session cookie, ended (an expired session's, so the browser stops sending it).
    static var clearedSessionCookie: Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict)
    }

    /// Thrown to answer with a 303 to `to`.
    struct Redirect: Error {
        let to: String
    }

    /// What an action did, for the next page: a message, where to go (nil: back), and whether
    /// it all went well (a partial failure is shown as an error, not a green banner).
    struct Outcome: Sendable {
        var message: String
        var redirect: String? = nil
        var success = true
    }

    /// Renders a page for the signed-in person, acting as them toward the services. A service
    /// down: 503 naming it; not found or not theirs: 404.
    func page(_ context: Context, _ body: @Sendable (StudioSession) async throws -> HTML) async throws -> Response {
        let session = try context.person
        do {
            let html = try await ActingAs.$principal.withValue(Self.principal(session)) { try await body(session) }
            return Self.html(html)
        } catch let redirect as Redirect {
            return Self.redirect(redirect.to)
        } catch {
            return errorResponse(error, session: session)
        }
    }

    /// Handles a form POST: decodes it (Hummingbird's url-encoded form decoder), checks its
    /// CSRF token, runs `body` as the person, then redirects: to `body`'s answer, or back to
    /// `back(form)` with the refusal shown next to the field the status names.
    func action<F: StudioForm>(_ request: Request, _ context: Context, _ type: F.Type, back: @Sendable (F) -> String,
                               _ body: @Sendable (StudioSession, F) async throws -> Outcome) async throws -> Response {
        let session = try context.person
        let form: F
        do {
            form = try await request.decode(as: F.self, context: context)
        } catch {
            logger.notice("form not readable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Self.html(ErrorPage.render(status: 400, title: "Form not readable",
                message: "The studio could not read this form. Go back, reload the page and try again.", session: session),
                status: .badRequest)
        }
        guard carriesToken(form.csrf, of: session) else { return formRefused(request, session: session) }
        return await perform(context, session, back: back(form), kept: form.kept) { try await body(session, form) }
    }

    func action<F: StudioForm>(_ request: Request, _ context: Context, _ type: F.Type, back: String,
                               _ body: @Sendable (StudioSession, F) async throws -> Outcome) async throws -> Response {
        try await action(request, context, type, back: { _ in back }, body)
    }

    /// Runs an action's `body` as the person, then redirects: to `body`'s answer with its
    /// message, or back to `back` with the refusal shown next to the field the status names
    /// (and what was typed, `kept`, still in the form).
    func perform(_ context: Context, _ session: StudioSession, back: String, kept: [String: String] = [:],
                 _ body: @Sendable () async throws -> Outcome) async -> Response {
        do {
            let outcome = try await ActingAs.$principal.withValue(Self.principal(session)) { try await body() }
            context.setFlash(.init(message: outcome.message, field: "", success: outcome.success, values: outcome.success ? [:] : kept))
            return Self.redirect(outcome.redirect ?? back)
        } catch let redirect as Redirect {
            return Self.redirect(redirect.to)
        } catch let error as RPCError where error.code != .notFound && error.code != .permissionDenied {
            context.setFlash(.init(message: Self.words(error), field: Self.formField(error.field), success: false, values: kept))
            return Self.redirect(back)
        } catch {
            return errorResponse(error, session: session, action: true)
        }
    }

    /// The form field a status names: its last part ("range.from_date" -> "from_date").
    static func formField(_ field: String) -> String {
        String(field.split(separator: ".").last ?? "")
    }

    func carriesToken(_ token: String?, of session: StudioSession) -> Bool {
        guard let token else { return false }
        return SessionStore.constantTimeEqual(token, session.csrfToken)
    }

    func formRefused(_ request: Request, session: StudioSession) -> Response {
        logger.notice("form refused: missing or wrong CSRF token", metadata: ["path": "\(request.uri.path)"])
        return Self.html(ErrorPage.render(status: 403, title: "Form refused",
            message: "This form is out of date or did not come from the studio. Go back, reload the page and try again.",
            session: session), status: .forbidden)
    }

    /// A page for what a page or an action could not get past. `action`: a form was posted (the
    /// one call it made failed, so nothing was changed).
    func errorResponse(_ error: any Error, session: StudioSession?, action: Bool = false) -> Response {
        switch error {
        case StudioError.serviceDown(let service, let detail):
            logger.warning("service down", metadata: ["service": "\(service)", "detail": "\(detail)"])
            let what = action ? "so this was not done. Nothing was changed." : "so this page cannot be shown right now."
            return Self.html(ErrorPage.render(status: 503, title: "\(service) is not answering",
                message: "The studio could not get an answer from \(service), \(what) "
                    + "Try again in a moment; if it persists, an operator should check \(service).",
                detail: detail, session: session), status: .serviceUnavailable)
        case StudioError.notFound(let what):
            return Self.html(ErrorPage.render(status: 404, title: "Not found", message: what, session: session), status: .notFound)
        case let error as RPCError where error.code == .notFound || error.code == .permissionDenied:
            return Self.html(ErrorPage.render(status: 404, title: "Not found",
                message: "There is no such page, or it is not yours to see.", session: session), status: .notFound)
        case let error as RPCError:
            return Self.html(ErrorPage.render(status: 400, title: "That did not work", message: Self.words(error), session: session),
                             status: .badRequest)
        default:
            logger.error("page failed", metadata: ["error": "\(error)"])
            return Self.html(ErrorPage.render(status: 500, title: "Something went wrong",
                message: "The studio hit an unexpected error. It has been logged.", session: session), status: .internalServerError)
        }
    }

    /// A status in words for people: the message, without the code.
    static func words(_ error: RPCError) -> String {
        sentence(error.message, field: error.field)
    }

    /// A service's message as a sentence: capitalised, ending with a full stop, and a field
    /// name in it read as words ("monthly_capacity must be ..." -> "Monthly capacity must be ...").
    static func sentence(_ message: String, field: String = "") -> String {
        var text = message
        if !field.isEmpty, let name = field.split(separator: ".").last, name.contains("_") {
            text = text.replacingOccurrences(of: String(name), with: name.replacingOccurrences(of: "_", with: " "))
        }
        let capitalised = text.prefix(1).uppercased() + text.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }

    static func principal(_ session: StudioSession) -> Principal {
        Principal(subject: "user:\(session.userID)", role: session.role == .admin ? .admin : .creator, creatorID: session.creatorID)
    }

    static func html(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: html.markup)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The session cookie for a new session: no expiry of its own (the studio ends the session
    /// after its idle time, and says so when the browser brings the cookie back).
    func sessionCookie(_ session: StudioSession) -> Cookie {
        Cookie(name: Self.cookieName, value: session.id, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }
}

/// Headers on every answer: no framing, no sniffing, scripts and styles only from the studio.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = Studio.Context

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // An address the studio does not have: a page that says so, with the way back.
            response = Studio.html(ErrorPage.render(status: 404, title: "Not found",
                message: "There is no such page in the studio.", session: nil), status: .notFound)
        } catch StudioError.notFound(let what) {
            // An address with an id that is not one (/items/abc/approve).
            response = Studio.html(ErrorPage.render(status: 404, title: "Not found", message: what, session: context.identity),
                                   status: .notFound)
        }
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; frame-ancestors 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        return response
    }
}
