import ContentAPI
import Foundation
import GRDB
import LumaRPC
import LumaServiceKit
import LumaValues
import MediaAPI

/// AI creators' render jobs, as the API shows and drives them (the worker: `RenderWorker`).
extension ContentPipelineService {
    public func retryRender(_ request: Luma_Content_V1_RetryRenderRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ContentItem {
        let id = try Validate.id(request.id, field: "id")
        return try await view(try await workflow.retryRender(id: id))
    }

    public func listRenders(_ request: Luma_Content_V1_ListRendersRequest, context: RPCServerContext) async throws -> Luma_Content_V1_ListRendersResponse {
        let states = try request.states.map { raw in
            guard let state = RenderJobRecord.State(rawValue: raw) else {
                throw RPCError.invalidArgument(
                    "unknown render state '\(raw.prefix(20))'; known: \(RenderJobRecord.State.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "states")
            }
            return state
        }
        let size = try Validate.pageSize(request.pageSize)
        let offset = try Validate.pageOffset(request.pageToken)
        let jobs = try await database.measured.read { try RenderJobStore.list($0, states: states, limit: size + 1, offset: offset) }
        return .with {
            $0.jobs = jobs.prefix(size).map(\.message)
            if jobs.count > size { $0.nextPageToken = Validate.pageToken(offset: offset + size) }
        }
    }
}
