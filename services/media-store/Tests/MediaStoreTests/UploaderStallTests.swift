import Foundation
import LumaRPC
import MediaAPI
import Testing
@testable import MediaClient

/// Fuzz/FuzzUpload: a media-store that never moves its offset forward (or keeps sending the
/// uploader back) had the uploader send the same bytes forever. Rounds without progress in a
/// row, and rewinds in all, are now bounded by `attempts`; one honest rewind (a media-store that
/// restarted and lost the end of a .part) still completes.
@Suite("Uploader against a server that does not advance", .timeLimit(.minutes(1)))
struct UploaderStallTests {
    static let size: UInt64 = 1000

    /// Answers every chunk with `next(offset)`: the offset the server says it now holds.
    final class Server: Luma_Media_V1_MediaStoreClientProtocol, @unchecked Sendable {
        let next: @Sendable (_ chunkOffset: UInt64, _ chunkLength: Int) -> UInt64
        private let lock = NSLock()
        private var sent: [UInt64] = []
        init(next: @escaping @Sendable (UInt64, Int) -> UInt64) { self.next = next }
        var chunkOffsets: [UInt64] { lock.withLock { sent } }

        func appendChunk(_ request: Luma_Media_V1_AppendChunkRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession {
            lock.withLock { sent.append(request.offset) }
            return UploaderStallTests.session(at: next(request.offset, request.data.count))
        }
        func finishUpload(_ request: Luma_Media_V1_FinishUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_Media {
            .with { $0.id = 41 }
        }
        func startUpload(_ request: Luma_Media_V1_StartUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession { throw RPCError(.unimplemented, "") }
        func getUpload(_ request: Luma_Media_V1_GetUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession { throw RPCError(.unimplemented, "") }
        func cancelUpload(_ request: Luma_Media_V1_CancelUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_CancelUploadResponse { throw RPCError(.unimplemented, "") }
        func getMedia(_ request: Luma_Media_V1_GetMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_Media { throw RPCError(.unimplemented, "") }
        func readMedia(_ request: Luma_Media_V1_ReadMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_ReadMediaResponse { throw RPCError(.unimplemented, "") }
        func checkMedia(_ request: Luma_Media_V1_CheckMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_CheckMediaResponse { throw RPCError(.unimplemented, "") }
    }

    static func session(at offset: UInt64) -> Luma_Media_V1_UploadSession {
        .with {
            $0.uploadID = "u1"
            $0.size = size
            $0.nextOffset = offset
            $0.chunkSize = 100
        }
    }

    func upload(to server: Server, attempts: Int) async throws -> Luma_Media_V1_Media {
        let path = NSTemporaryDirectory() + "luma-stall-\(getpid())-\(UUID().uuidString).bin"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: Int(Self.size))))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await MediaUploader(server, attempts: attempts).send(path: path, session: Self.session(at: 0))
    }

    @Test func anOffsetThatStaysPutStopsAfterAttemptsRounds() async throws {
        let server = Server { offset, _ in offset }
        let error = await #expect(throws: RPCError.self) { try await upload(to: server, attempts: 4) }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("did not move upload u1 past offset 0 in 4 rounds") == true)
        #expect(server.chunkOffsets == [0, 0, 0, 0])
    }

    @Test func aServerThatKeepsRewindingIsRefused() async throws {
        // Takes two chunks, then says it holds nothing, over and over.
        let server = Server { offset, length in offset == 100 ? 0 : offset + UInt64(length) }
        let error = await #expect(throws: RPCError.self) { try await upload(to: server, attempts: 3) }
        #expect(error?.message.contains("sent upload u1 back to an earlier offset 4 times") == true)
        #expect(server.chunkOffsets == [0, 100, 0, 100, 0, 100, 0, 100])
    }

    @Test func oneHonestRewindStillCompletes() async throws {
        // At 500 the server "restarts" and has kept only 300 bytes; afterwards it is well.
        let restarted = Once()
        let server = Server { offset, length in
            offset == 500 && restarted.first() ? 300 : offset + UInt64(length)
        }
        let media = try await upload(to: server, attempts: 2)
        #expect(media.id == 41)
        #expect(server.chunkOffsets == [0, 100, 200, 300, 400, 500, 300, 400, 500, 600, 700, 800, 900])
    }

    /// True the first time only.
    final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        func first() -> Bool { lock.withLock { defer { done = true }; return !done } }
    }
}
