import Crypto
import Foundation
import LumaRPC

/// Who a caller is, from a verified token.
public struct Principal: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        /// `app`: a reader of what is published (the devotional app, luma-feed); nothing else.
        case admin, service, creator, app
    }

    public let subject: String
    public let role: Role
    /// Set for `creator` tokens: the creator profile the caller acts as.
    public let creatorID: Int64?

    public init(subject: String, role: Role, creatorID: Int64? = nil) {
        self.subject = subject
        self.role = role
        self.creatorID = creatorID
    }

    /// The caller of the call being served (set by `AuthServerInterceptor`); nil when the
    /// server runs without authentication (the insecure development mode).
    @TaskLocal public static var current: Principal?
}

/// Signed bearer tokens: `luma1.<payload>.<signature>`, where payload is base64url JSON
/// `{"sub","role","cid","iat","exp"}` and signature is base64url HMAC-SHA256 over
/// `luma1.<payload>` with the key the services share. Like a JWT with one fixed algorithm, so
/// there is no "alg" header to downgrade. The MAC is swift-crypto's; its verification is
/// constant-time.
public struct TokenSigner: Sendable {
    static let prefix = "luma1."
    public static let minimumKeyBytes = 32
    /// How far in the future `iat` may be (clocks of different hosts disagree a little).
    /// `exp` gets no grace.
    public static let allowedClockSkew: Int64 = 300
    /// Kept as bytes (SymmetricKey is not Sendable); a SymmetricKey is made per use.
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: Data) throws {
        guard key.count >= Self.minimumKeyBytes else { throw AuthError.keyTooShort(key.count) }
        self.keyBytes = key
    }

    struct Claims: Codable {
        let sub: String
        let role: String
        let cid: Int64?
        let iat: Int64
        let exp: Int64
    }

    public func mint(_ principal: Principal, ttl: TimeInterval, now: Date = Date()) -> String {
        let issued = Int64(now.timeIntervalSince1970)
        let claims = Claims(sub: principal.subject, role: principal.role.rawValue, cid: principal.creatorID,
                            iat: issued, exp: issued + Int64(ttl.rounded(.up)))
        let payload = Self.base64url(try! JSONEncoder().encode(claims))
        let signed = Self.prefix + payload
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: key)
        return signed + "." + Self.base64url(Data(mac))
    }

    /// The token's principal, or UNAUTHENTICATED saying what is wrong (never echoing the token).
    public func verify(_ token: String, now: Date = Date()) throws -> Principal {
        try verifiedClaims(token, now: now).principal
    }

    /// The token's principal and its expiry (seconds since 1970), for a cache of verified tokens.
    public func verifiedClaims(_ token: String, now: Date = Date()) throws -> (principal: Principal, expires: Int64) {
        guard token.hasPrefix(Self.prefix) else { throw RPCError(.unauthenticated, "not a Luma token") }
        let body = token.dropFirst(Self.prefix.count)
        guard token.utf8.count < 4096, let dot = body.lastIndex(of: ".") else { throw RPCError(.unauthenticated, "malformed token") }
        let payload = String(body[..<dot])
        guard let signature = Self.unbase64url(String(body[body.index(after: dot)...])), signature.count == 32,
              let payloadData = Self.unbase64url(payload) else {
            throw RPCError(.unauthenticated, "malformed token: the payload and the signature must be unpadded base64url")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data((Self.prefix + payload).utf8), using: key) else {
            throw RPCError(.unauthenticated, "token signature is not valid")
        }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: payloadData),
              let role = Principal.Role(rawValue: claims.role) else {
            throw RPCError(.unauthenticated, "malformed token claims")
        }
        let now = Int64(now.timeIntervalSince1970)
        guard now < claims.exp else { throw RPCError(.unauthenticated, "token expired") }
        guard claims.iat <= now + Self.allowedClockSkew else { throw RPCError(.unauthenticated, "token issued in the future") }
        guard claims.iat <= claims.exp else { throw RPCError(.unauthenticated, "token expires before it was issued") }
        if role == .creator && claims.cid == nil { throw RPCError(.unauthenticated, "creator token without a creator id") }
        return (Principal(subject: claims.sub, role: role, creatorID: role == .creator ? claims.cid : nil), claims.exp)
    }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Strict base64url (RFC 4648 section 5) without padding: only the 64 URL-safe letters, and
    /// only the one canonical spelling of the bytes (unused trailing bits zero). Any other
    /// spelling of the same bytes is refused, so a token has exactly one valid form.
    static func unbase64url(_ text: String) -> Data? {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        guard text.utf8.allSatisfy(alphabet.contains), text.utf8.count % 4 != 1 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), base64url(data) == text else { return nil }
        return data
    }
}

public enum AuthError: Error, CustomStringConvertible {
    case keyTooShort(Int)
    case keyUnreadable(String)

    public var description: String {
        switch self {
        case .keyTooShort(let count):
            return "the auth key has \(count) bytes; at least \(TokenSigner.minimumKeyBytes) are needed"
        case .keyUnreadable(let path):
            return "cannot read the auth key file '\(path)'"
        }
    }
}

/// Key files: random bytes, stored hex-encoded on one line.
public enum AuthKeyFile {
    public static func read(_ path: String) throws -> Data {
        guard let contents = FileManager.default.contents(atPath: path) else { throw AuthError.keyUnreadable(path) }
        let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // Hex if it looks like hex, else the raw bytes.
        if text.count % 2 == 0, text.allSatisfy(\.isHexDigit) {
            var bytes = Data()
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                bytes.append(UInt8(text[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
        return contents
    }

    /// Creates a key file of 32 random bytes (mode 0600) unless one exists; returns its path.
    @discardableResult
    public static func create(at path: String) throws -> String {
        if FileManager.default.fileExists(atPath: path) { return path }
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AuthError.keyUnreadable(path)
        }
        return path
    }
}
