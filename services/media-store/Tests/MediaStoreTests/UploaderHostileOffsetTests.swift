import Foundation
import LumaRPC
import MediaAPI
import Testing
@testable import MediaClient

/// Fuzz/FuzzUpload: a media-store answering an offset past Int64.max crashed the uploader
/// (FileHandle's seek traps); it is refused as FAILED_PRECONDITION instead.
@Suite("Uploader against a hostile offset")
struct UploaderHostileOffsetTests {
    struct Server: Luma_Media_V1_MediaStoreClientProtocol {
        func startUpload(_ request: Luma_Media_V1_StartUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession { throw RPCError(.unimplemented, "") }
        func getUpload(_ request: Luma_Media_V1_GetUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession { throw RPCError(.unimplemented, "") }
        func appendChunk(_ request: Luma_Media_V1_AppendChunkRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_UploadSession { throw RPCError(.unimplemented, "") }
        func finishUpload(_ request: Luma_Media_V1_FinishUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_Media { throw RPCError(.unimplemented, "") }
        func cancelUpload(_ request: Luma_Media_V1_CancelUploadRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_CancelUploadResponse { throw RPCError(.unimplemented, "") }
        func getMedia(_ request: Luma_Media_V1_GetMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_Media { throw RPCError(.unimplemented, "") }
        func readMedia(_ request: Luma_Media_V1_ReadMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_ReadMediaResponse { throw RPCError(.unimplemented, "") }
        func checkMedia(_ request: Luma_Media_V1_CheckMediaRequest, options: RPCCallOptions) async throws -> Luma_Media_V1_CheckMediaResponse { throw RPCError(.unimplemented, "") }
    }

    @Test func anOffsetPastAnyFileIsRefused() async throws {
        let path = NSTemporaryDirectory() + "luma-hostile-offset-\(getpid()).bin"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 100)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var session = Luma_Media_V1_UploadSession()
        session.uploadID = "u1"
        session.size = .max
        session.nextOffset = 1 << 63
        session.chunkSize = 64
        do {
            _ = try await MediaUploader(Server()).send(path: path, session: session)
            Issue.record("the upload went on")
        } catch let error as RPCError {
            #expect(error.code == .failedPrecondition)
        }
    }
}
