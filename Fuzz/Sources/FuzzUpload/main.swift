import Foundation
import FuzzSupport
import LumaRPC
import MediaAPI
import NIOCore
@testable import MediaClient

/// The upload chunk protocol from the client's side, against a server whose every reply (the
/// session's offset, size, chunk size, finished flag, or an error of any code) comes from the
/// input: what a buggy, restarted or hostile media-store could answer. The uploader must only
/// send bytes of the file, at the offset the server last said, at most the chunk size and
/// never past the end, and stop (with an error or the media) once the replies run out; a server
/// that does not move its offset forward gets at most `attempts` chunks in a row, and one that
/// sends it back is followed at most `attempts` times.
let fileBytes: [UInt8] = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
let filePath: String = {
    let path = NSTemporaryDirectory() + "luma-fuzz-upload-\(getpid()).bin"
    _ = FileManager.default.createFile(atPath: path, contents: Data(fileBytes))
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUpload(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let server = ScriptedServer(FuzzInput(start, count))
    let mode = server.byte()
    let attempts = Int(mode >> 4) % 4 + 1
    server.attempts = attempts
    var uploader = MediaUploader(server, attempts: attempts, maxChunk: 1 + Int(server.byte()) * 16)
    uploader.backoff.initial = .zero
    uploader.backoff.maximum = .zero
    let done = DispatchSemaphore(value: 0)
    Task {
        if mode & 1 == 0 {
            _ = try? await uploader.upload(path: filePath, kind: .video, resume: mode & 2 == 0 ? nil : "u1")
        } else if let session = try? await server.getUpload(.with { $0.uploadID = "u1" }) {
            _ = try? await uploader.send(path: filePath, session: session)
        }
        done.signal()
    }
    done.wait()
    return 0
}

final class ScriptedServer: Luma_Media_V1_MediaStoreClientProtocol, @unchecked Sendable {
    private let lock = NSLock()
    private var input: FuzzInput
    /// The session the server last answered: the uploader's next chunk must start there.
    private var said: Luma_Media_V1_UploadSession?
    /// The uploader's `attempts`, and what it has been made to do against them.
    var attempts = 1
    private var lastChunk: UInt64?
    private var notAdvancing = 0
    private var rewinds = 0

    init(_ input: FuzzInput) { self.input = input }

    func byte() -> UInt8 { lock.withLock { input.byte() } }

    /// The next reply: an error, or a session made of the input's numbers.
    private func reply() throws -> Luma_Media_V1_UploadSession {
        try lock.withLock {
            guard !input.bytes.isEmpty else { throw RPCError(.internalError, "the script is over") }
            let kind = input.byte()
            if kind & 0x7 == 0 {
                throw RPCError(RPCStatusCode(rawValue: Int(kind >> 3) % 17) ?? .unknown, "scripted", field: kind & 0x80 == 0 ? "offset" : "")
            }
            var session = Luma_Media_V1_UploadSession()
            session.uploadID = "u1"
            session.sha256 = kind & 0x8 == 0 ? MediaUploaderFixture.sha256 : "other"
            let small = kind & 0x10 != 0
            session.size = small ? UInt64(fileBytes.count) : input.uint64() >> (input.byte() % 64)
            session.nextOffset = small ? UInt64(input.uint32() % 3100) : input.uint64() >> (input.byte() % 64)
            session.chunkSize = kind & 0x20 != 0 ? UInt32(input.byte()) * 64 : input.uint32()
            session.finished = kind & 0x40 != 0 && kind & 0x80 != 0
            said = session
            return session
        }
    }

    func startUpload(_ request: Luma_Media_V1_StartUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession {
        fuzzCheck(request.size == UInt64(fileBytes.count), "StartUpload with size \(request.size)")
        return try reply()
    }

    func getUpload(_ request: Luma_Media_V1_GetUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession {
        try reply()
    }

    func appendChunk(_ request: Luma_Media_V1_AppendChunkRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession {
        let session = lock.withLock { said }
        fuzzCheck(session != nil, "a chunk before any session")
        guard let session else { throw RPCError(.internalError, "unreachable") }
        fuzzCheck(request.offset == session.nextOffset, "chunk at \(request.offset), the server said \(session.nextOffset)")
        fuzzCheck(!request.data.isEmpty, "an empty chunk")
        fuzzCheck(UInt64(request.data.count) <= session.size - request.offset, "a chunk past the end")
        fuzzCheck(request.data.count <= max(1, Int(session.chunkSize)), "a chunk of \(request.data.count) bytes, chunk size \(session.chunkSize)")
        lock.withLock {
            if let last = lastChunk {
                notAdvancing = request.offset > last ? 0 : notAdvancing + 1
                if request.offset < last { rewinds += 1 }
            }
            lastChunk = request.offset
            fuzzCheck(notAdvancing < attempts, "\(notAdvancing + 1) chunks in a row without progress, attempts \(attempts)")
            fuzzCheck(rewinds <= attempts, "followed the server back \(rewinds) times, attempts \(attempts)")
        }
        let start = Int(request.offset)
        fuzzCheck(start + request.data.count <= fileBytes.count && Array(request.data) == Array(fileBytes[start..<start + request.data.count]),
                  "a chunk that is not the file's bytes at \(start)")
        return try reply()
    }

    func finishUpload(_ request: Luma_Media_V1_FinishUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_Media {
        _ = try reply()
        return Luma_Media_V1_Media()
    }

    func cancelUpload(_ request: Luma_Media_V1_CancelUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_CancelUploadResponse {
        throw RPCError(.unimplemented, "not used")
    }
    func getMedia(_ request: Luma_Media_V1_GetMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_Media {
        throw RPCError(.unimplemented, "not used")
    }
    func readMedia(_ request: Luma_Media_V1_ReadMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_ReadMediaResponse {
        throw RPCError(.unimplemented, "not used")
    }
    func checkMedia(_ request: Luma_Media_V1_CheckMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_CheckMediaResponse {
        throw RPCError(.unimplemented, "not used")
    }
}

enum MediaUploaderFixture {
    static let sha256 = (try? MediaUploader.digest(filePath).sha256) ?? ""
}
