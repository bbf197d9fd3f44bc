import Foundation
import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A `multipart/form-data` body, read as it arrives (`MultipartStream`): text fields are kept
/// (64 KiB at most in all), each file part is written to its own file in a folder, so an upload
/// of a gigabyte never sits in memory. Hand-written because Hummingbird (2.28) decodes only
/// url-encoded forms and JSON; it has no multipart reader, let alone a streaming one.
struct SpooledForm: Sendable {
    struct File: Sendable {
        let path: String
        /// As the browser named it (shown, never used as a path).
        let fileName: String
        let size: Int64
    }

    var fields: Form
    /// By field name; a file input left empty is absent.
    var files: [String: File]

    enum Failure: Error, Equatable {
        /// Not multipart/form-data, or cut off, or not well formed.
        case malformed(String)
        /// The file in this field is larger than the cap (or the whole body is).
        case tooLarge(field: String)
        /// A file came before the form's token did (or with a wrong one): nothing is stored.
        case refused
    }

    /// The boundary of a `multipart/form-data` content type.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let parameters = Self.parameters(contentType)
        guard parameters.value.lowercased() == "multipart/form-data",
              let boundary = parameters.named["boundary"], !boundary.isEmpty, boundary.count <= 200 else { return nil }
        return boundary
    }

    /// Reads `body` into `directory`. `mayStoreFiles` is asked, with the text fields seen so far,
    /// before the first file part is written (the CSRF token comes first in the form).
    static func read<Body: AsyncSequence>(_ body: Body, boundary: String, into directory: String, maxFileSize: Int64,
                                          mayStoreFiles: @escaping (Form) -> Bool) async throws -> SpooledForm where Body.Element == ByteBuffer {
        let state = SpoolState(directory: directory, maxFileSize: maxFileSize, mayStoreFiles: mayStoreFiles)
        defer { state.close() }
        var parser = MultipartStream(boundary: boundary)
        // The body may be a little over the file cap: a thumbnail, the fields, the boundaries.
        let maxBodySize = maxFileSize + 64 * 1024 * 1024
        var received: Int64 = 0
        for try await chunk in body {
            received += Int64(chunk.readableBytes)
            if received > maxBodySize { throw Failure.tooLarge(field: state.currentField ?? "video_file") }
            try parser.feed(chunk) { event in
                switch event {
                case .part(let headers):
                    state.headers = headers
                    state.begin()
                case .body(var bytes):
                    state.body(&bytes)
                case .end:
                    state.complete()
                }
            }
            if let failure = state.failure { throw failure }
        }
        if let failure = state.failure { throw failure }
        guard parser.finished, state.parts > 0 else {
            throw Failure.malformed("the upload was cut off before its end")
        }
        return SpooledForm(fields: Form(values: state.fields), files: state.files)
    }

    /// `form-data; name="video_file"; filename="a.mp4"` -> ("form-data", [name: ..., filename: ...]).
    static func parameters(_ header: String) -> (value: String, named: [String: String]) {
        var parts: [String] = []
        var current = "", quoted = false, escaped = false
        for character in header {
            if escaped { current.append(character); escaped = false; continue }
            switch character {
            case "\\" where quoted: escaped = true
            case "\"": quoted.toggle()
            case ";" where !quoted: parts.append(current); current = ""
            default: current.append(character)
            }
        }
        parts.append(current)
        var named: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            named[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = pair[1].trimmingCharacters(in: .whitespaces)
        }
        return (parts[0].trimmingCharacters(in: .whitespaces), named)
    }
}

/// A multipart body's parts as its bytes arrive (RFC 7578 / 2046): each part's headers, its
/// body in slices as large as the chunks that came in, its end. The delimiter is found with
/// memchr and memcmp, so a gigabyte goes through at the speed of the disk even in a debug build.
struct MultipartStream {
    enum Event {
        case part(headers: [(String, String)])
        case body(ByteBuffer)
        case end
    }

    enum State { case preamble, afterDelimiter, headers, body, epilogue }

    /// "\r\n--BOUNDARY": the first one is found after the CRLF the stream is started with.
    let delimiter: [UInt8]
    private var carry = ByteBuffer(string: "\r\n")
    private(set) var state = State.preamble

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// The closing delimiter was read.
    var finished: Bool { state == .epilogue }

    mutating func feed(_ chunk: ByteBuffer, _ handle: (Event) throws -> Void) throws {
        guard state != .epilogue else { return }
        var chunk = chunk
        carry.writeBuffer(&chunk)
        parsing: while true {
            switch state {
            case .preamble:
                guard let at = Self.find(delimiter, in: carry) else { keepTail(); break parsing }
                carry.moveReaderIndex(forwardBy: at + delimiter.count)
                state = .afterDelimiter
            case .afterDelimiter:
                while let byte = carry.readableBytesView.first, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    carry.moveReaderIndex(forwardBy: 1)   // transport padding
                }
                guard carry.readableBytes >= 2 else { break parsing }
                let next = carry.getBytes(at: carry.readerIndex, length: 2)!
                if next == Array("--".utf8) {
                    state = .epilogue
                    carry.clear()
                    break parsing
                }
                guard next == Array("\r\n".utf8) else { throw SpooledForm.Failure.malformed("the form's body is not well formed") }
                carry.moveReaderIndex(forwardBy: 2)
                state = .headers
            case .headers:
                let headers: [(String, String)]
                if carry.readableBytesView.starts(with: Array("\r\n".utf8)) {
                    headers = []
                    carry.moveReaderIndex(forwardBy: 2)
                } else {
                    guard let at = Self.find(Array("\r\n\r\n".utf8), in: carry) else {
                        guard carry.readableBytes <= 16 * 1024 else { throw SpooledForm.Failure.malformed("a part's headers are too long") }
                        break parsing
                    }
                    let block = carry.readString(length: at) ?? ""
                    carry.moveReaderIndex(forwardBy: 4)
                    headers = block.components(separatedBy: "\r\n").compactMap { line in
                        guard let colon = line.firstIndex(of: ":") else { return nil }
                        return (line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                    }
                }
                try handle(.part(headers: headers))
                state = .body
            case .body:
                if let at = Self.find(delimiter, in: carry) {
                    if at > 0 { try handle(.body(carry.readSlice(length: at)!)) }
                    carry.moveReaderIndex(forwardBy: delimiter.count)
                    try handle(.end)
                    state = .afterDelimiter
                } else {
                    // All but what could be the start of a delimiter.
                    let safe = carry.readableBytes - (delimiter.count - 1)
                    if safe > 0 { try handle(.body(carry.readSlice(length: safe)!)) }
                    break parsing
                }
            case .epilogue:
                carry.clear()
                break parsing
            }
        }
        carry.discardReadBytes()
    }

    /// Drops what cannot hold the start of a delimiter (the preamble).
    private mutating func keepTail() {
        let drop = carry.readableBytes - (delimiter.count - 1)
        if drop > 0 { carry.moveReaderIndex(forwardBy: drop) }
    }

    /// Where `pattern` first starts in `buffer`'s readable bytes.
    static func find(_ pattern: [UInt8], in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard let base = bytes.baseAddress, bytes.count >= pattern.count else { return nil }
            return pattern.withUnsafeBytes { wanted -> Int? in
                var start = 0
                let last = bytes.count - pattern.count   // the last index a match can start at
                while start <= last {
                    guard let hit = memchr(base + start, Int32(pattern[0]), last - start + 1) else { return nil }
                    let index = UnsafeRawPointer(hit) - base
                    if memcmp(hit, wanted.baseAddress!, pattern.count) == 0 { return index }
                    start = index + 1
                }
                return nil
            }
        }
    }
}

/// What the parser's events build up; used by one task only.
private final class SpoolState {
    enum Part {
        case text(name: String, bytes: [UInt8])
        case file(name: String, fileName: String, path: String, handle: FileHandle, size: Int64, pending: ByteBuffer)
        /// A file input left empty (no file name), or a part without a name.
        case skipped
    }

    let directory: String
    let maxFileSize: Int64
    let mayStoreFiles: (Form) -> Bool
    var headers: [(String, String)] = []
    var begun = false
    var part: Part = .skipped
    var fields: [(String, String)] = []
    var textBytes = 0
    var files: [String: SpooledForm.File] = [:]
    var parts = 0
    var failure: SpooledForm.Failure?

    init(directory: String, maxFileSize: Int64, mayStoreFiles: @escaping (Form) -> Bool) {
        self.directory = directory
        self.maxFileSize = maxFileSize
        self.mayStoreFiles = mayStoreFiles
    }

    /// The field of the part being read, if one is open.
    var currentField: String? {
        guard begun else { return nil }
        switch part {
        case .text(let name, _), .file(let name, _, _, _, _, _): return name
        case .skipped: return nil
        }
    }

    func begin() {
        begun = true
        guard failure == nil, let disposition = headers.first(where: { $0.0 == "content-disposition" })?.1 else { part = .skipped; return }
        let parameters = SpooledForm.parameters(disposition)
        guard let name = parameters.named["name"], !name.isEmpty else { part = .skipped; return }
        guard let fileName = parameters.named["filename"] else { part = .text(name: name, bytes: []); return }
        guard !fileName.isEmpty else { part = .skipped; return }
        guard mayStoreFiles(Form(values: fields)) else { failure = .refused; part = .skipped; return }
        let path = "\(directory)/part-\(parts)"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            failure = .malformed("the studio could not write the upload to \(directory)")
            part = .skipped
            return
        }
        part = .file(name: name, fileName: fileName, path: path, handle: handle, size: 0, pending: ByteBuffer())
    }

    func body(_ buffer: inout ByteBuffer) {
        if !begun { begin() }
        guard failure == nil else { return }
        switch part {
        case .text(let name, var bytes):
            textBytes += buffer.readableBytes
            guard textBytes <= 64 * 1024 else { failure = .malformed("the form's fields are too long"); return }
            bytes += buffer.readableBytesView
            part = .text(name: name, bytes: bytes)
        case .file(let name, let fileName, let path, let handle, var size, var pending):
            size += Int64(buffer.readableBytes)
            guard size <= maxFileSize else { failure = .tooLarge(field: name); return }
            part = .skipped   // keep `pending` uniquely referenced while it grows
            pending.writeBuffer(&buffer)
            if pending.readableBytes >= 1 << 20 { flush(handle, &pending) }
            part = .file(name: name, fileName: fileName, path: path, handle: handle, size: size, pending: pending)
        case .skipped:
            break
        }
    }

    func complete() {
        if !begun { begin() }
        if failure == nil {
            switch part {
            case .text(let name, let bytes):
                fields.append((name, String(decoding: bytes, as: UTF8.self)))
            case .file(let name, let fileName, let path, let handle, let size, var pending):
                flush(handle, &pending)
                try? handle.close()
                if size > 0 { files[name] = .init(path: path, fileName: fileName, size: size) }
            case .skipped:
                break
            }
        }
        part = .skipped
        begun = false
        headers = []
        parts += 1
    }

    func flush(_ handle: FileHandle, _ pending: inout ByteBuffer) {
        guard pending.readableBytes > 0 else { return }
        do {
            try pending.withUnsafeReadableBytes { try handle.write(contentsOf: Data($0)) }
            pending.clear()
        } catch {
            failure = .malformed("the studio could not write the upload to \(directory): \(error)")
        }
    }

    /// Closes a file left open by a body that stopped part-way.
    func close() {
        if case .file(_, _, _, let handle, _, _) = part { try? handle.close() }
        part = .skipped
    }
}
