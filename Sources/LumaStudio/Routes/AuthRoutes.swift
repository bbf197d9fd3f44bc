import CreatorsAPI
import Foundation
import Hummingbird
import LumaRPC

/// Sign-in and sign-out. The sign-in form is protected by a double-submit token (a cookie and
/// a hidden field that must match), since there is no session yet.
extension Studio {
    static let signInCookie = "luma_signin"

    func addAuthRoutes(_ router: Router<Context>) {
        router.get("/sign-in") { request, _ in
            if case .active = sessions.lookup(sessionID(request)) { return Self.redirect("/") }
            let expired = request.uri.queryParameters.get("expired") == "1"
            return signInPage(email: "", notice: expired ? "Your session expired. Sign in again." : nil, error: nil)
        }
        router.post("/sign-in") { request, _ in
            let form = try await Form.read(request)
            guard let cookie = request.cookies[Self.signInCookie]?.value, let token = form["_csrf"],
                  SessionStore.constantTimeEqual(cookie, token) else {
                return signInPage(email: form.text("email"), notice: nil,
                                  error: .init(message: "The sign-in form expired. Please try again.", field: "", success: false),
                                  status: .forbidden)
            }
            let email = form.text("email")
            do {
                let answer = try await backend.creators.verifyPassword(.with {
                    $0.email = email
                    $0.password = form["password"] ?? ""
                })
                let isAdmin = answer.user.role == .admin
                guard isAdmin || answer.creatorID != 0 else {
                    return signInPage(email: email, notice: nil, error: .init(
                        message: "This account has no creator profile yet. Ask an admin to create one.", field: "email", success: false),
                        status: .forbidden)
                }
                let session = sessions.create(userID: answer.user.id, email: answer.user.email, name: answer.user.displayName,
                                              role: isAdmin ? .admin : .creator, creatorID: isAdmin ? nil : answer.creatorID)
                logger.info("signed in", metadata: ["user_id": "\(answer.user.id)", "role": "\(session.role.rawValue)"])
                var response = Self.redirect(isAdmin ? "/calendar" : "/assignments")
                response.headers[values: .setCookie] = [
                    sessionCookie(session),
                    "\(Self.signInCookie)=; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=0",
                ]
                return response
            } catch let error as RPCError {
                let status: HTTPResponse.Status = switch error.code {
                case .resourceExhausted: .tooManyRequests
                case .unauthenticated: .unauthorized
                default: .badRequest
                }
                return signInPage(email: email, notice: nil,
                                  error: .init(message: Self.words(error), field: error.field.isEmpty ? "password" : error.field, success: false),
                                  status: status)
            } catch {
                return errorResponse(error, session: nil)
            }
        }
        router.post("/sign-out") { request, _ in
            let form = try await Form.read(request)
            if case .signedIn(let session) = signedIn(request) {
                guard carriesToken(form, of: session) else { return formRefused(request, session: session) }
                sessions.end(session.id)
                logger.info("signed out", metadata: ["user_id": "\(session.userID)"])
            }
            return Self.redirect("/sign-in", clearSession: true)
        }
    }

    func signInPage(email: String, notice: String?, error: StudioSession.Flash?, status: HTTPResponse.Status = .ok) -> Response {
        let token = SessionStore.randomToken()
        let noticeHTML: HTML = notice.map { "<p class=\"notice\" role=\"status\">\($0)</p>" } ?? ""
        let summary: HTML = error.map { "<p class=\"error\" role=\"alert\" id=\"flash\">\($0.message)</p>" } ?? ""
        let html = Layout.page("Sign in", session: nil, """
            \(noticeHTML)\(summary)
            <form method="post" action="/sign-in" class="card narrow">
            <input type="hidden" name="_csrf" value="\(token)">
            \(Layout.field("Email", name: "email", type: "email", value: email, required: true, flash: error, extra: "autocomplete=\"username\" autofocus"))
            \(Layout.field("Password", name: "password", type: "password", required: true, flash: error, extra: "autocomplete=\"current-password\""))
            <p><button type="submit">Sign in</button></p>
            </form>
            """)
        var response = Self.html(html, status: status)
        response.headers[.setCookie] = "\(Self.signInCookie)=\(token); Path=/sign-in; HttpOnly; SameSite=Strict\(secureCookies ? "; Secure" : "")"
        return response
    }
}
