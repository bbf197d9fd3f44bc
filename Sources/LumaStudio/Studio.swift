import Foundation
import Hummingbird
import LumaAuth
import LumaRPC
import Logging

/// luma-studio: the web app admins and creators work in. Server-rendered HTML over the four
/// services' RPC APIs; no state of its own but sessions (and uploads on their way to media-store).
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

    public typealias Context = BasicRequestContext

    /// Every route.
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
        addAuthRoutes(router)
        addAdminRoutes(router)
        addCreatorRoutes(router)
        addPeopleRoutes(router)
        addOperationsRoutes(router)
        addMediaRoutes(router)
        router.get("/") { request, _ in
            try await page(request, title: "Luma Studio") { session in
                throw Redirect(to: session.role == .admin ? "/calendar" : "/assignments")
            }
        }
        return router
    }

    // MARK: Page and action plumbing

    static let cookieName = "luma_session"

    /// Thrown to answer with a 303 to `to`.
    struct Redirect: Error {
        let to: String
    }

    func sessionID(_ request: Request) -> String? {
        request.cookies[Self.cookieName]?.value
    }

    /// Renders a page for a signed-in person (of `role`, if given), acting as them toward the
    /// services. No session: to sign-in; a service down: 503 naming it; not found or not
    /// theirs: 404.
    func page(_ request: Request, title: String, role: StudioSession.Role? = nil,
              _ body: @Sendable (StudioSession) async throws -> HTML) async throws -> Response {
        let session: StudioSession
        switch signedIn(request) {
        case .signedIn(let active): session = active
        case .answer(let response): return response
        }
        if let role, session.role != role {
            return Self.html(ErrorPage.render(status: 403, title: "Not for \(session.role.rawValue)s",
                                              message: "This page is for \(role.rawValue)s.", session: session), status: .forbidden)
        }
        do {
            let html = try await ActingAs.$principal.withValue(Self.principal(session)) { try await body(session) }
            return Self.html(html)
        } catch let redirect as Redirect {
            return Self.redirect(redirect.to)
        } catch {
            return errorResponse(error, session: session)
        }
    }

    /// Handles a form POST: checks the session and the form's CSRF token, runs `body` as the
    /// person, then redirects: to `body`'s answer, or back to `back` with the refusal shown next
    /// to the field the status names.
    func action(_ request: Request, back: String, role: StudioSession.Role? = nil,
                _ body: @Sendable (StudioSession, Form) async throws -> (message: String, redirect: String?)) async throws -> Response {
        let form = try await Form.read(request)
        let session: StudioSession
        switch signedIn(request) {
        case .signedIn(let active): session = active
        case .answer(let response): return response
        }
        guard carriesToken(form, of: session) else { return formRefused(request, session: session) }
        if let role, session.role != role {
            return Self.html(ErrorPage.render(status: 403, title: "Not for \(session.role.rawValue)s",
                                              message: "Only \(role.rawValue)s can do this.", session: session), status: .forbidden)
        }
        var kept: [String: String] = [:]
        for (name, value) in form.values where name != "_csrf" && !name.contains("password") { kept[name] = value }
        return await perform(session, back: back, kept: kept) { try await body(session, form) }
    }

    /// Runs an action's `body` as the person, then redirects: to `body`'s answer with its
    /// message, or back to `back` with the refusal shown next to the field the status names
    /// (and what was typed, `kept`, still in the form).
    func perform(_ session: StudioSession, back: String, kept: [String: String] = [:],
                 _ body: @Sendable () async throws -> (message: String, redirect: String?)) async -> Response {
        do {
            let outcome = try await ActingAs.$principal.withValue(Self.principal(session)) { try await body() }
            sessions.setFlash(session.id, .init(message: outcome.message, field: "", success: true))
            return Self.redirect(outcome.redirect ?? back)
        } catch let redirect as Redirect {
            return Self.redirect(redirect.to)
        } catch let error as RPCError where error.code != .notFound && error.code != .permissionDenied {
            sessions.setFlash(session.id, .init(message: Self.words(error), field: error.field, success: false, values: kept))
            return Self.redirect(back)
        } catch {
            return errorResponse(error, session: session)
        }
    }

    enum SessionCheck {
        case signedIn(StudioSession)
        /// No session, or an expired one: the redirect to sign-in that answers instead.
        case answer(Response)
    }

    /// The request's session (looking it up keeps it alive).
    func signedIn(_ request: Request) -> SessionCheck {
        switch sessions.lookup(sessionID(request)) {
        case .active(let session): .signedIn(session)
        case .expired: .answer(Self.redirect("/sign-in?expired=1", clearSession: true))
        case .none: .answer(Self.redirect("/sign-in"))
        }
    }

    func carriesToken(_ form: Form, of session: StudioSession) -> Bool {
        guard let token = form["_csrf"] else { return false }
        return SessionStore.constantTimeEqual(token, session.csrfToken)
    }

    func formRefused(_ request: Request, session: StudioSession) -> Response {
        logger.notice("form refused: missing or wrong CSRF token", metadata: ["path": "\(request.uri.path)"])
        return Self.html(ErrorPage.render(status: 403, title: "Form refused",
            message: "This form is out of date or did not come from the studio. Go back, reload the page and try again.",
            session: session), status: .forbidden)
    }

    func errorResponse(_ error: any Error, session: StudioSession?) -> Response {
        switch error {
        case StudioError.serviceDown(let service, let detail):
            logger.warning("service down", metadata: ["service": "\(service)", "detail": "\(detail)"])
            return Self.html(ErrorPage.render(status: 503, title: "\(service) is not answering",
                message: "The studio could not reach \(service), so this page cannot be shown right now. "
                    + "Nothing was changed. Try again in a moment; if it persists, an operator should check \(service).",
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
        // Field names read as words: "monthly_capacity must be ..." -> "Monthly capacity must be ...".
        var text = error.message
        if !error.field.isEmpty, let name = error.field.split(separator: ".").last, name.contains("_") {
            text = text.replacingOccurrences(of: String(name), with: name.replacingOccurrences(of: "_", with: " "))
        }
        let message = text.prefix(1).uppercased() + text.dropFirst()
        return message.hasSuffix(".") ? message : message + "."
    }

    static func principal(_ session: StudioSession) -> Principal {
        Principal(subject: "user:\(session.userID)", role: session.role == .admin ? .admin : .creator, creatorID: session.creatorID)
    }

    static func html(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: html.markup)))
    }

    static func redirect(_ location: String, clearSession: Bool = false) -> Response {
        var headers: HTTPFields = [.location: location]
        if clearSession { headers[.setCookie] = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" }
        return Response(status: .seeOther, headers: headers)
    }

    func sessionCookie(_ session: StudioSession) -> String {
        "\(Self.cookieName)=\(session.id); Path=/; HttpOnly; SameSite=Strict\(secureCookies ? "; Secure" : "")"
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
        }
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; frame-ancestors 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        return response
    }
}
