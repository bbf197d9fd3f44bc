import Crypto
import Foundation
import FuzzSupport
@testable import LumaAuth

/// Bearer tokens (`luma1.<base64url claims>.<base64url HMAC>`). Mode 0: the input is the token,
/// as a caller sends it. Mode 1: the input is the claims, correctly signed, so verification gets
/// past the MAC to the JSON and the time checks. Mode 2: base64url must round-trip exactly.
/// A verified principal mints a token that verifies to the same principal.
let key = Data((0..<32).map { UInt8($0 &* 7 &+ 1) })
let signer = try! TokenSigner(key: key)
let now = Date(timeIntervalSince1970: 1_800_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToken(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    switch input.byte() % 3 {
    case 0:
        verify(input.restText())
    case 1:
        let payload = TokenSigner.base64url(Data(input.rest()))
        let signed = TokenSigner.prefix + payload
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: key))
        verify(signed + "." + TokenSigner.base64url(Data(mac)))
    default:
        let bytes = Data(input.rest())
        let text = TokenSigner.base64url(bytes)
        fuzzCheck(TokenSigner.unbase64url(text) == bytes, "base64url did not round-trip \(Array(bytes))")
        // And text that is not canonical base64url is refused or decodes to bytes that spell it.
        let asText = String(decoding: bytes, as: UTF8.self)
        if let decoded = TokenSigner.unbase64url(asText) {
            fuzzCheck(TokenSigner.base64url(decoded) == asText, "'\(asText)' accepted in a non-canonical spelling")
        }
    }
    return 0
}

func verify(_ token: String) {
    guard let principal = try? signer.verify(token, now: now) else { return }
    fuzzCheck(principal.role != .creator || principal.creatorID != nil, "a creator token without a creator id was accepted")
    let again = signer.mint(principal, ttl: 60, now: now)
    // JSONEncoder may spell the claims longer than the caller did ("/" as "\\/"): a re-minted
    // token over verify's 4096-character cap is refused for its length, rightly.
    guard again.count < 4096 else { return }
    fuzzCheck((try? signer.verify(again, now: now)) == principal, "a re-minted token does not verify to its principal")
}
