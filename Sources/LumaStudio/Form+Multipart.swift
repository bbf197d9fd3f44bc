import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A `multipart/form-data` body, read as it arrives (MultipartKit's streaming parser): text
/// fields are kept (64 KiB at most in all), each file part is written to its own file in a
/// folder, so an upload of a gigabyte never sits in memory.
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
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned state] name, value in state.header(name, value) }
        parser.onBody = { [unowned state] buffer in state.body(&buffer) }
        parser.onPartComplete = { [unowned state] in state.complete() }
        // The body may be a little over the file cap: a thumbnail, the fields, the boundaries.
        let maxBodySize = maxFileSize + 64 * 1024 * 1024
        var received: Int64 = 0
        for try await chunk in body {
            received += Int64(chunk.readableBytes)
            if received > maxBodySize { throw Failure.tooLarge(field: state.currentField ?? "video_file") }
            do { try parser.execute(chunk) } catch { throw Failure.malformed("the form's body is not well formed") }
            if let failure = state.failure { throw failure }
        }
        if let failure = state.failure { throw failure }
        guard state.parts > 0, !state.begun, state.headers.isEmpty else {
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

/// What the parser's callbacks build up; used by one task only.
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

    func header(_ name: String, _ value: String) {
        headers.append((name.lowercased(), value))
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
