import CreatorsAPI
import Foundation
import Hummingbird
import HummingbirdAuth
import LumaRPC

/// Sign-in and sign-out. The sign-in form is protected by a double-submit token (a cookie and
/// a hidden field that must match), since there is no session yet.
extension Studio {
    static let signInCookie = "luma_signin"

    func addAuthRoutes(_ router: RouterGroup<Context>) {
        router.get("/sign-in") { request, context in
            if context.identity != nil { return Self.redirect("/") }
            let expired = request.uri.queryParameters.get("expired") == "1"
            return signInPage(email: "", notice: expired ? "Your session expired. Sign in again." : nil, error: nil)
        }
        router.post("/sign-in") { request, context in
            let form = (try? await request.decode(as: SignInForm.self, context: context)) ?? SignInForm(csrf: nil, email: nil, password: nil)
            let email = trimmed(form.email)
            guard let cookie = request.cookies[Self.signInCookie]?.value, let token = form.csrf,
                  SessionStore.constantTimeEqual(cookie, token) else {
                return signInPage(email: email, notice: nil,
                                  error: .init(message: "The sign-in form expired. Please try again.", field: "", success: false),
                                  status: .forbidden)
            }
            do {
                let answer = try await backend.creators.verifyPassword(.with {
                    $0.email = email
                    $0.password = form.password ?? ""
                })
                let isAdmin = answer.user.role == .admin
                guard isAdmin || answer.creatorID != 0 else {
                    return signInPage(email: email, notice: nil, error: .init(
                        message: "This account has no creator profile yet. Ask an admin to create one.", field: "email", success: false),
                        status: .forbidden)
                }
                let session = try await sessions.create(userID: answer.user.id, email: answer.user.email, name: answer.user.displayName,
                                                        role: isAdmin ? .admin : .creator, creatorID: isAdmin ? nil : answer.creatorID)
                logger.info("signed in", metadata: ["user_id": "\(answer.user.id)", "role": "\(session.role.rawValue)"])
                var response = Self.redirect(isAdmin ? "/calendar" : "/assignments")
                response.setCookie(sessionCookie(session))
                response.setCookie(Cookie(name: Self.signInCookie, value: "", maxAge: 0, path: "/sign-in", httpOnly: true, sameSite: .strict))
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
        router.post("/sign-out") { request, context in
            if let session = context.identity {
                let form = try? await request.decode(as: TokenForm.self, context: context)
                guard carriesToken(form?.csrf, of: session) else { return formRefused(request, session: session) }
                // SessionMiddleware removes it from the storage and expires the cookie.
                context.sessions.clearSession()
                logger.info("signed out", metadata: ["user_id": "\(session.userID)"])
            } else if request.cookies[Self.cookieName] != nil {
                var response = Self.redirect("/sign-in")
                response.setCookie(Self.clearedSessionCookie)   // a session that had already expired
                return response
            }
            return Self.redirect("/sign-in")
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
        response.setCookie(Cookie(name: Self.signInCookie, value: token, path: "/sign-in", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }
}
