import FuzzSupport
import Hummingbird
import MediaHTTP
import NIOCore
@testable import LumaStudio

/// What the studio reads from a browser before anyone is signed in: url-encoded forms, the
/// multipart body of an upload (its boundary, part headers and bodies, fed in chunks of any
/// size), the session and sign-in cookies, the CSRF comparison and Range headers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStudio(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let control = input.byte()
    switch control % 5 {
    case 0:
        let text = input.restText()
        let decoder = URLEncodedFormDecoder()
        if let form = try? decoder.decode(SignInForm.self, from: text) { _ = form.kept; _ = trimmed(form.email) }
        if let form = try? decoder.decode(PlanForm.self, from: text) { _ = form.kept; _ = commaList(form.languages) }
        if let form = try? decoder.decode(NoteForm.self, from: text) { _ = form.kept }
    case 1:
        let text = input.restText()
        let cookies = Cookies(from: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        let session = cookies[Studio.cookieName]?.value ?? ""
        let signIn = cookies[Studio.signInCookie]?.value ?? ""
        fuzzCheck(SessionStore.constantTimeEqual(session, signIn) == (Array(session.utf8) == Array(signIn.utf8)),
                  "constantTimeEqual disagrees with byte equality on '\(session)' and '\(signIn)'")
    case 2:
        let size = input.uint64() >> (input.byte() % 64)
        let header = input.restText()
        switch ByteRange.parse(header, size: size) {
        case .part(let range):
            fuzzCheck(range.upperBound < size, "'\(header)' on \(size) bytes gave \(range)")
        case .whole, .unsatisfiable:
            break
        }
    case 3:
        multipart(&input, chunk: max(1, Int(control >> 3)))
    default:
        let header = input.restText()
        let parsed = SpooledForm.parameters(header)
        _ = SpooledForm.boundary(header)
        fuzzCheck(parsed.value.count <= header.count, "parameters invented text from '\(header)'")
    }
    return 0
}

/// The first line is the Content-Type header, the rest the body.
func multipart(_ input: inout FuzzInput, chunk: Int) {
    let bytes = input.rest()
    let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
    let contentType = String(decoding: bytes[..<newline], as: UTF8.self)
    guard let boundary = SpooledForm.boundary(contentType) else { return }
    let body = bytes[min(bytes.count, newline + 1)...]
    var stream = MultipartStream(boundary: boundary)
    var bodyBytes = 0, parts = 0, ends = 0
    var offset = body.startIndex
    do {
        while offset < body.endIndex {
            let end = min(body.endIndex, offset + chunk)
            try stream.feed(ByteBuffer(bytes: body[offset..<end])) { event in
                switch event {
                case .part(let headers):
                    parts += 1
                    for (name, value) in headers where name == "content-disposition" { _ = SpooledForm.parameters(value) }
                case .body(let slice): bodyBytes += slice.readableBytes
                case .end: ends += 1
                }
            }
            offset = end
        }
    } catch {
        return
    }
    fuzzCheck(bodyBytes <= body.count, "\(bodyBytes) body bytes out of a \(body.count)-byte body")
    fuzzCheck(ends <= parts && parts <= ends + 1, "\(parts) parts but \(ends) ends")
}
