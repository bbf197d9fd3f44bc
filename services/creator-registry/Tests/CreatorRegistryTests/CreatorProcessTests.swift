import ContentAPI
import CreatorsAPI
import Foundation
import LumaRPC
import OpsAPI
import LumaRPCNIO
import LumaServiceKit
import LumaTestSupport
import NIOConcurrencyHelpers
import Testing

/// Records CreatorDeleted calls, standing in for content-pipeline.
struct RecordingPipeline: RPCServiceProvider {
    let received = NIOLockedValueBox<[Int64]>([])
    var serviceDescriptor: RPCServiceDescriptor { Luma_Content_V1_ContentPipelineService.descriptor }
    func registerMethods(with registrar: inout RPCMethodRegistrar) {
        let received = self.received
        registrar.register(Luma_Content_V1_ContentPipelineService.Method.creatorDeleted) { request, _ in
            received.withLockedValue { $0.append(request.creatorID) }
            return .init()
        }
    }
}

@Suite("creator-registry as a process", .serialized)
struct CreatorProcessTests {
    /// `--max-frame-size` bounds what the server sends: a list that does not fit is refused
    /// with RESOURCE_EXHAUSTED naming the sizes, and a smaller page of it goes through.
    @Test func theFrameLimitIsAFlag() async throws {
        let directory = temporaryDirectory()
        let registry = try await ServiceProcess("creator-registry", [
            "--db", directory + "/creators.sqlite", "--content", "127.0.0.1:9", "--insecure-dev", "--max-frame-size", "2048"])
        let client = Luma_Creators_V1_CreatorRegistryClient(RPCClient(endpoint: registry.endpoint))
        for index in 0..<40 {
            _ = try await client.createUser(.with { $0.email = "u\(index)@example.com"; $0.displayName = "User \(index)"; $0.role = .creator })
        }
        let error = await #expect(throws: RPCError.self) { try await client.listUsers(.init()) }
        #expect(error?.code == .resourceExhausted)
        #expect(error?.message.contains("over the maximum frame size of 2048 bytes") == true)
        #expect(try await client.listUsers(.with { $0.pageSize = 5 }).users.count == 5)
        await registry.stop()
    }

    @Test func restartKeepsEveryRowAndTheSetNullSurvivesAPipelineOutage() async throws {
        let directory = temporaryDirectory()
        // Reserve a port for the pipeline, but start it only later: it is "down" at first.
        let probe = RPCServer(configuration: .init(port: 0), services: [])
        let pipelinePort = try await probe.start().port!
        await probe.shutdown()

        let args = ["--db", directory + "/creators.sqlite", "--content", "127.0.0.1:\(pipelinePort)", "--log-level", "warning", "--insecure-dev"]
        var registry = try await ServiceProcess("creator-registry", args)
        var client = Luma_Creators_V1_CreatorRegistryClient(RPCClient(endpoint: registry.endpoint))
        let user = try await client.createUser(.with { $0.email = "grace@example.com"; $0.displayName = "Grace"; $0.role = .creator })
        let keep = try await client.createCreator(.with { $0.userID = user.id; $0.displayName = "Keep"; $0.canBible = true })
        let operatorUser = try await client.createUser(.with { $0.email = "ops@example.com"; $0.displayName = "Ops"; $0.role = .creator })
        let gone = try await client.createCreator(.with {
            $0.userID = operatorUser.id; $0.displayName = "Gone"; $0.isAi = true; $0.heygenAvatarID = "a1"; $0.canPositivity = true
        })
        _ = try await client.deleteCreator(.with { $0.id = gone.id })

        let ops = { (endpoint: RPCEndpoint) in Luma_Ops_V1_OperationsClient(RPCClient(endpoint: endpoint)) }
        #expect(try await ops(registry.endpoint).outboxStatus(.init()).pending == 1)

        // Killed with the delivery still pending: nothing may be lost.
        await registry.kill()
        registry = try await ServiceProcess("creator-registry", args)
        client = Luma_Creators_V1_CreatorRegistryClient(RPCClient(endpoint: registry.endpoint))
        #expect(try await client.getCreator(.with { $0.id = keep.id }).displayName == "Keep")
        #expect(try await client.getUser(.with { $0.id = user.id }).email == "grace@example.com")
        #expect(try await client.listCreators(.init()).creators.count == 1)
        #expect(try await ops(registry.endpoint).outboxStatus(.init()).pending == 1)

        // The pipeline comes up on its address: the SET NULL is delivered, exactly what was asked.
        let pipeline = RecordingPipeline()
        let server = RPCServer(configuration: .init(port: pipelinePort), services: [pipeline])
        try await server.start()
        #expect(await eventually(timeout: .seconds(40)) { pipeline.received.withLockedValue { $0 } == [gone.id] })
        #expect(await eventually { (try? await ops(registry.endpoint).outboxStatus(.init()).pending) == 0 })
        await registry.stop()
        await server.shutdown()
    }
}
