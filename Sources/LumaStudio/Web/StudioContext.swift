import Hummingbird
import HummingbirdAuth

/// Each request's context: hummingbird-auth's session (loaded and saved by `SessionMiddleware`)
/// and the signed-in person (`identity`, set by `StudioAuthenticator`).
public struct StudioRequestContext: AuthRequestContext, SessionRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: StudioSession?
    public let sessions: SessionContext<StudioSession>

    /// Forms arrive url-encoded (uploads, multipart, are read by `SpooledForm`).
    public var requestDecoder: URLEncodedFormDecoder { URLEncodedFormDecoder() }

    public init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
        sessions = .init()
    }

    /// The signed-in person; the routes that call it sit behind `SignedInMiddleware`.
    var person: StudioSession {
        get throws {
            guard let identity else { throw HTTPError(.unauthorized) }
            return identity
        }
    }

    /// Leaves a message for the next page the person sees (saved with the session).
    func setFlash(_ flash: StudioSession.Flash?) {
        sessions.withLockedSession { $0?.flash = flash }
    }

    /// The message left for this page, shown once.
    func takeFlash() -> StudioSession.Flash? {
        sessions.withLockedSession { data in
            guard let flash = data?.flash else { return nil }
            data?.flash = nil
            return flash
        }
    }
}
