import ArgumentParser
import ContentAPI
import Foundation
import LumaRPC
import LumaValues
import OpsAPI

struct ContentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "content", abstract: "Daily content: plan, generate, assign, submit, review, delete.",
        subcommands: [Plan.self, Generate.self, Regenerate.self, Assignable.self, Assign.self, Unassign.self, Submit.self, Approve.self,
                      Reject.self, Unpublish.self, Republish.self, Delete.self, Show.self, History.self, List.self, Published.self])

    struct Unassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take an assigned item back from its creator (it becomes generated again).")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.unassign(.with { $0.id = id })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id) unassigned; it is generated again")
            }
        }
    }

    static func show(_ items: [Luma_Content_V1_ContentItem]) {
        Output.table(["ID", "DATE", "MODE", "LANG", "STATUS", "CREATOR", "TOPIC", "VERSE"], items.map {
            ["\($0.id)", $0.postDate, $0.mode.label, $0.language, $0.status.label, $0.creatorID == 0 ? "-" : "\($0.creatorID)",
             $0.category.isEmpty ? "-" : $0.category, $0.verseReference.isEmpty ? "-" : $0.verseReference]
        })
    }

    static func modes(_ text: String) throws -> [Luma_Content_V1_Mode] {
        try text.split(separator: ",").map { mode in
            switch mode {
            case "bible": return .bible
            case "positivity": return .positivity
            default: throw ValidationError("unknown mode '\(mode)'; use bible, positivity")
            }
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create empty items for a date range (idempotent).")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "First date, YYYY-MM-DD.") var from: String
        @Option(help: "Last date, YYYY-MM-DD.") var to: String
        @Option(help: "Comma-separated modes.") var modes = "bible,positivity"
        @Option(help: "Comma-separated languages.") var languages = "en"

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let result = try await client.plan(.with {
                    $0.fromDate = from; $0.toDate = to; $0.modes = try ContentCommand.modes(modes)
                    $0.languages = languages.split(separator: ",").map(String.init)
                })
                if endpoints.json { return try Output.json(result) }
                print("planned \(from)..\(to): \(result.created) created, \(result.existing) already there")
            }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate scripts (and claim verses) for empty items, a week at a time, with progress on a terminal.",
            discussion: """
                Over a range, items that fail do not stop the others: the failures are listed (on stderr, \
                or in the JSON's failures) and lumactl exits with the status code of the first failure in \
                date order, with or without --json; 0 only if every item was generated.
                """)
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "First date.") var from: String?
        @Option(help: "Last date.") var to: String?
        @Option(help: "One item instead of a range.") var id: Int64?
        @Option(help: "Verse category for bible items (default: rotate).") var category = ""
        @Option(help: "Bible translation id for bible items (default: the item language's, kjv for en, rv1909 for es).") var translation = ""

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                if let id {
                    let result = try await client.generate(.with { $0.id = id; $0.category = category; $0.translation = translation })
                    if endpoints.json { return try Output.json(result) }
                    return ContentCommand.show(result.items)
                }
                guard let from, let to else { throw ValidationError("give --id, or --from and --to") }
                let start = try Validate.date(from, field: "from")
                let end = try Validate.date(to, field: "to")
                guard start <= end else { throw ValidationError("--from \(start) is after --to \(end)") }
                // How many items are waiting, so progress can say "n of total".
                let board = try await client.board(.with {
                    $0.fromDate = start.description; $0.toDate = end.description; $0.countsOnly = true
                })
                let total = board.counts.filter { $0.status == .empty }.map(\.count).reduce(0, +)
                var all = Luma_Content_V1_GenerateResponse()
                let began = ContinuousClock.now
                // A week per call: each call is bounded (an LLM generator takes seconds per
                // item), and progress moves on a terminal.
                var chunkStart = start
                while chunkStart <= end {
                    let chunkEnd = min(end, chunkStart.adding(days: 6))
                    let done = Int(all.generated) + all.failures.count
                    let failed = all.failures.isEmpty ? "" : ", \(all.failures.count) failed"
                    Output.progress("generating \(chunkStart)..\(chunkEnd): \(done)/\(total) items\(failed), \(began.duration(to: .now).components.seconds) s")
                    let part = try await client.generate(.with {
                        $0.range = .with { $0.fromDate = chunkStart.description; $0.toDate = chunkEnd.description }
                        $0.category = category
                        $0.translation = translation
                    }, options: .init(timeout: .seconds(600)))   // a week with an LLM generator takes minutes
                    all.items += part.items
                    all.generated += part.generated
                    all.failures += part.failures
                    chunkStart = chunkEnd.adding(days: 1)
                }
                Output.progressDone()
                Output.progress("done in \(began.duration(to: .now).components.seconds) s\n")
                if endpoints.json {
                    try Output.json(all)
                } else {
                    let failed = all.failures.isEmpty ? "" : ", \(all.failures.count) not generated"
                    print("generated \(all.generated) item\(all.generated == 1 ? "" : "s")\(failed)")
                    ContentCommand.show(all.items)
                    for failure in all.failures { Output.error("not generated: item \(failure.id) (\(failure.postDate)): \(failure.reason)") }
                }
                // One rule, with or without --json: the first failure's status, in date order.
                if let first = all.failures.min(by: { ($0.postDate, $0.id) < ($1.postDate, $1.id) }) {
                    throw ExitCode(Int32(first.code == 0 ? UInt32(RPCStatusCode.unknown.rawValue) : first.code))
                }
            }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign an item to a creator, or --auto to the least-loaded eligible one.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64
        @Option(help: "Creator id.") var creator: Int64?
        @Flag(help: "Pick the least-loaded eligible creator.") var auto = false

        func run() async throws {
            try await reportingErrors {
                guard (creator != nil) != auto else { throw ValidationError("give exactly one of --creator or --auto") }
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.assign(.with {
                    $0.id = id
                    if let creator { $0.creatorID = creator } else { $0.auto = true }
                })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id) assigned to creator \(item.creatorID)")
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a creator's video for an item: a file uploaded to media-store, or https URLs of an external CDN.",
            discussion: """
                --file PATH uploads the video (progress on a terminal), checked by media-store before the \
                item is submitted; its thumbnail is taken from the video unless --thumbnail-file is given. \
                --media ID submits an upload made before (lumactl media upload). --video/--thumbnail \
                submit URLs instead.
                """)
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64
        @Option(help: "The video file to upload.") var file: String?
        @Option(help: "A thumbnail image to upload with --file (default: a frame of the video).") var thumbnailFile: String?
        @Option(name: .customLong("media-id"), help: "A video already in media-store.") var mediaID: Int64?
        @Option(help: "https URL of the video.") var video: String?
        @Option(help: "https URL of the thumbnail.") var thumbnail: String?

        func validate() throws {
            let sources = [file != nil, mediaID != nil, video != nil || thumbnail != nil].filter { $0 }.count
            guard sources == 1 else {
                throw ValidationError("give one of --file PATH, --media-id ID, or --video URL --thumbnail URL")
            }
            if thumbnailFile != nil && file == nil { throw ValidationError("--thumbnail-file goes with --file") }
            if (video == nil) != (thumbnail == nil) { throw ValidationError("--video and --thumbnail go together") }
        }

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                var request = Luma_Content_V1_SubmitRequest.with { $0.id = id }
                if let file {
                    // Uploaded for the item's creator, so the submission's ownership check passes
                    // when an admin submits on a creator's behalf.
                    let owner = try await client.get(.with { $0.id = id }).creatorID
                    let video = try await MediaCommand.upload(path: file, image: false, owner: owner, resume: nil, endpoints: endpoints)
                    request.videoMediaID = video.id
                    if let thumbnailFile {
                        request.thumbnailMediaID = try await MediaCommand.upload(path: thumbnailFile, image: true, owner: owner, resume: nil,
                                                                                 endpoints: endpoints).id
                    }
                } else if let mediaID {
                    request.videoMediaID = mediaID
                } else {
                    request.videoURL = video ?? ""
                    request.thumbnailURL = thumbnail ?? ""
                }
                let item = try await client.submit(request)
                if endpoints.json { return try Output.json(item) }
                if item.videoMediaID != 0 {
                    print("item \(item.id) submitted: media \(item.videoMediaID), \(ContentCommand.videoSummary(item))")
                } else {
                    print("item \(item.id) submitted")
                }
            }
        }
    }

    /// "rendering at heygen (video v-12), job 4", "failed: HeyGen does not know ... (job 4; lumactl renders retry 7)".
    static func renderSummary(_ job: Luma_Content_V1_RenderJob) -> String {
        var text = "\(job.state) at \(job.vendor)"
        if !job.vendorVideoID.isEmpty { text += " (video \(job.vendorVideoID))" }
        if !job.lastError.isEmpty { text += (job.retryable ? "; retrying after: " : ": ") + job.lastError }
        text += ", job \(job.id)"
        if job.state == "failed" { text += "; `lumactl renders retry \(job.dailyContentID)` or assign a person" }
        return text
    }

    /// "1080x1920, 12.0 s, h264/aac".
    static func videoSummary(_ item: Luma_Content_V1_ContentItem) -> String {
        "\(item.videoWidth)x\(item.videoHeight), \(String(format: "%.1f s", Double(item.videoDurationMs) / 1000)), \(item.videoCodecs)"
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a submitted video.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.approve(.with { $0.id = id })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id) approved")
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a submitted video with a note; the creator resubmits.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64
        @Option(help: "Why (required).") var note: String

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.reject(.with { $0.id = id; $0.note = note })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id) rejected: \(item.rejectionNote)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an item; its verses become available again.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let result = try await client.delete(.with { $0.id = id })
                if endpoints.json { return try Output.json(result) }
                print(result.deleted ? "deleted item \(id)" : "item \(id) did not exist")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an item with its scripts.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.get(.with { $0.id = id })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id): \(item.postDate) \(item.mode.label)/\(item.language), \(item.status.label)")
                let fields: [(String, String)] = [
                    ("creator", item.creatorID == 0 ? "" : "\(item.creatorID)"), ("topic", item.topicLabel.isEmpty || item.topicLabel == item.category ? item.category : "\(item.category) (\(item.topicLabel))"),
                    ("verse", item.verseReference), ("verse note", item.verseNote), ("text", item.verseText), ("camera script", item.cameraScript),
                    ("reflection", item.devotionalReflection), ("meditation", item.meditationScript),
                    ("background", item.backgroundPrompt), ("video", item.creatorVideoURL),
                    ("thumbnail", item.creatorVideoThumbnail),
                    ("video", item.videoMediaID == 0 ? "" : "media \(item.videoMediaID) (\(ContentCommand.videoSummary(item)))"),
                    ("thumbnail", item.thumbnailMediaID == 0 ? "" : "media \(item.thumbnailMediaID)"),
                    ("rejection note", item.rejectionNote),
                    ("render", item.hasRender ? ContentCommand.renderSummary(item.render) : ""),
                ]
                for (label, value) in fields where !value.isEmpty { print("  \(label): \(value)") }
                // What content-pipeline says may be done next, and where the moves so far are.
                print("  next: \(item.actions.isEmpty ? "nothing (final)" : item.actions.map(\.label).joined(separator: ", "))")
                if !item.history.isEmpty {
                    print("  history: \(item.history.count) move\(item.history.count == 1 ? "" : "s") (lumactl content history \(item.id))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List items (filtered by date, status, creator, language, text).")
        @OptionGroup var endpoints: EndpointOptions
        @Option var from = ""
        @Option var to = ""
        @Option(help: "Only this creator's items.") var creator: Int64 = 0
        @Option(help: "Only these statuses (comma-separated: empty, generated, assigned, submitted, approved, rejected).") var status = ""
        @Option(help: "Only this language.") var language = ""
        @Option(help: "Items whose verse, topic or scripts contain this text.") var query = ""
        @Flag(help: "Least recently changed first (with --status submitted: the review queue).") var waiting = false

        func run() async throws {
            try await reportingErrors {
                let statuses = try status.split(separator: ",").map { name in
                    guard let status = Luma_Content_V1_Status.allCases.first(where: { $0.label == name.trimmingCharacters(in: .whitespaces) }) else {
                        throw ValidationError("unknown status '\(name)'; use \(Luma_Content_V1_Status.allCases.map(\.label).filter { $0 != "unknown" }.joined(separator: ", "))")
                    }
                    return status
                }
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let items = try await allPages { token in
                    let page = try await client.list(.with {
                        $0.fromDate = from; $0.toDate = to; $0.creatorID = creator; $0.pageSize = 1000; $0.pageToken = token
                        $0.statuses = statuses; $0.language = language; $0.query = query; $0.order = waiting ? .waiting : .postDate
                    })
                    return (page.items, page.nextPageToken)
                }
                if endpoints.json { return try Output.json(Luma_Content_V1_ListContentResponse.with { $0.items = items }) }
                ContentCommand.show(items)
            }
        }
    }
}

extension ContentCommand {
    struct Regenerate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a generated item again, keeping its id: a bible item gets a new verse (the old one is released).")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64
        @Option(help: "Bible: take the verse from this category instead of the date's.") var category = ""

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.regenerate(.with { $0.id = id; $0.category = category }, options: .init(timeout: .seconds(120)))
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id) regenerated\(item.verseReference.isEmpty ? "" : ": \(item.verseReference)")")
            }
        }
    }

    struct Assignable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The creators an item may be assigned to, with what is left of their capacity that month.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let answer = try await client.listAssignableCreators(.with { $0.id = id })
                if endpoints.json { return try Output.json(answer) }
                print("item \(id), capacity counted in \(answer.month):")
                Output.table(["CREATOR", "NAME", "AI", "CAPACITY", "ASSIGNED", "LEFT", "ASSIGNABLE"], answer.creators.map {
                    ["\($0.creatorID)", $0.displayName, $0.isAi ? "yes" : "no", "\($0.monthlyCapacity)", "\($0.assigned)", "\($0.remaining)",
                     $0.assignable ? "yes" : "no: \($0.reason)"]
                })
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An item's moves, oldest first, with who made each.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.get(.with { $0.id = id })
                if endpoints.json { return try Output.json(Luma_Content_V1_ContentItem.with { $0.id = item.id; $0.history = item.history }) }
                Output.table(["AT", "MOVE", "BY", "CREATOR", "DETAIL"], item.history.map { event in
                    let actor = event.actor
                    let by = !actor.hasRole ? "-" : actor.name.isEmpty ? "\(actor.subject) (\(actor.role))" : "\(actor.name) (\(actor.role))"
                    let detail = [event.verseReference, event.note, event.videoURL, event.videoMediaID == 0 ? "" : "media \(event.videoMediaID)"]
                        .filter { !$0.isEmpty }.joined(separator: "; ")
                    return [event.at, event.action, by, event.creatorID == 0 ? "-" : "\(event.creatorID)", detail.isEmpty ? "-" : detail]
                })
            }
        }
    }
}

extension ContentCommand {
    struct Unpublish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull an approved item from the feed (audited; republish puts it back).")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64
        @Option(help: "Why (kept in the item's history).") var note: String

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.unpublish(.with { $0.id = id; $0.note = note })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id) unpublished: \(item.unpublishNote)")
            }
        }
    }

    struct Republish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put an unpublished item back on the feed.")
        @OptionGroup var endpoints: EndpointOptions
        @Argument var id: Int64

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let item = try await client.republish(.with { $0.id = id })
                if endpoints.json { return try Output.json(item) }
                print("item \(item.id) \(item.publication)")
            }
        }
    }

    struct Published: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the app shows: a channel's published items of a day (default today in its time zone).")
        @OptionGroup var endpoints: EndpointOptions
        @Option(help: "The channel.") var language = "en"
        @Option(help: "YYYY-MM-DD; default today in the channel's time zone.") var date = ""

        func run() async throws {
            try await reportingErrors {
                let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
                let day = try await client.getPublished(.with { $0.language = language; $0.date = date })
                if endpoints.json { return try Output.json(day) }
                print("\(day.language) \(day.date) (\(day.timeZone)): \(day.items.count) published; next day at \(day.nextPublicationAt)")
                Output.table(["ID", "MODE", "TOPIC", "VERSE", "VIDEO"], day.items.map {
                    ["\($0.id)", $0.mode.label, $0.topic, $0.verseReference.isEmpty ? "-" : $0.verseReference,
                     !$0.videoURL.isEmpty ? $0.videoURL : $0.videoMediaID != 0 ? "media \($0.videoMediaID)" : "-"]
                })
            }
        }
    }
}

extension Luma_Content_V1_Actor {
    /// Events recorded before actors were kept have none.
    var hasRole: Bool { !role.isEmpty }
}

struct BoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board", abstract: "A calendar of the coming days: a row per day, a column per mode/language, each cell the status.")

    @OptionGroup var endpoints: EndpointOptions
    @Option(help: "First day (default today, UTC).") var from: String?
    @Option(help: "Number of days.") var days = 14

    func run() async throws {
        try await reportingErrors {
            let start = try from.map { try Validate.date($0, field: "from") } ?? CalendarDate.today
            guard (1...366).contains(days) else { throw ValidationError("--days must be 1-366") }
            let end = start.adding(days: days - 1)
            let client = Luma_Content_V1_ContentPipelineClient(try endpoints.contentClient())
            let board = try await client.board(.with { $0.fromDate = start.description; $0.toDate = end.description })
            if endpoints.json { return try Output.json(board) }
            let columns = Array(Set(board.items.map { "\($0.mode.label)/\($0.language)" })).sorted()
            var cells: [String: String] = [:]
            for item in board.items { cells["\(item.postDate)|\(item.mode.label)/\(item.language)"] = item.status.label }
            let color = Output.stdoutIsTerminal
            let rows = (0..<days).map { offset -> [String] in
                let day = start.adding(days: offset).description
                return [day] + columns.map { column in
                    let status = cells["\(day)|\(column)"] ?? "-"
                    return color ? BoardCommand.paint(status) : status
                }
            }
            Output.table(["DATE"] + columns, rows)
            let totals = Dictionary(grouping: board.counts, by: { $0.status.label }).mapValues { $0.map(\.count).reduce(0, +) }
            print(totals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }

    /// ANSI colours, only on a terminal (the table measures cells without them).
    static func paint(_ status: String) -> String {
        let code = ["empty": "2", "generated": "36", "assigned": "34", "submitted": "33", "approved": "32", "rejected": "31"][status]
        return code.map { "\u{1B}[\($0)m\(status)\u{1B}[0m" } ?? status
    }
}
