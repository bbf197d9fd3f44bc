import ContentAPI
import Foundation

/// An AI creator's render job in words, as content-pipeline reports it (docs/rendering.md). The
/// studio only says what the API says: whether a retry is allowed is the service's rule, so the
/// Retry button is shown when the item's actions include it, and the service's refusal, if any,
/// next to it.
enum RenderView {
    static let inFlight = ["queued", "starting", "rendering", "storing"]

    /// The vendor's name as people know it.
    static func vendorName(_ vendor: String) -> String {
        switch vendor {
        case "heygen", "": "HeyGen"
        default: vendor
        }
    }

    /// "10:42:05 UTC" from an RFC 3339 timestamp (the services' are UTC).
    static func clock(_ timestamp: String) -> String {
        guard timestamp.count >= 19, let t = timestamp.firstIndex(of: "T") else { return timestamp }
        let time = timestamp[timestamp.index(after: t)...].prefix(8)
        return timestamp.hasSuffix("Z") ? "\(time) UTC" : String(time)
    }

    static func date(_ timestamp: String) -> Date? {
        (try? Date(timestamp, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(timestamp, strategy: Date.ISO8601FormatStyle()))
    }

    /// "45 s", "12 min", "3 h 5 min", "2 d 4 h".
    static func age(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    /// The job in one sentence: "Rendering at HeyGen (video abc, next check 10:42:05 UTC)".
    static func words(_ job: Luma_Content_V1_RenderJob, creatorName: String?) -> String {
        let vendor = vendorName(job.vendor)
        let next = job.nextAttemptAt.isEmpty ? "" : clock(job.nextAttemptAt)
        let video = job.vendorVideoID.isEmpty ? "" : "video \(job.vendorVideoID)"
        if inFlight.contains(job.state) && !job.lastError.isEmpty {
            let attempt = job.attempts == 0 ? "" : "attempt \(job.attempts)"
            let detail = [attempt, next.isEmpty ? "" : "next try \(next)"].filter { !$0.isEmpty }.joined(separator: ", ")
            return "Retrying after: \(sentence(job.lastError))" + (detail.isEmpty ? "" : " (\(detail))")
        }
        func detail(_ parts: [String]) -> String {
            let parts = parts.filter { !$0.isEmpty }
            return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
        }
        switch job.state {
        case "queued": return "Queued for \(vendor)" + detail([next.isEmpty ? "" : "starts \(next)"])
        case "starting": return "Asking \(vendor) to render" + detail([video])
        case "rendering": return "Rendering at \(vendor)" + detail([video, next.isEmpty ? "" : "next check \(next)"])
        case "storing": return "Storing \(vendor)'s video in media-store" + detail([video])
        case "submitted": return "Submitted: rendered by \(creatorName ?? "creator \(job.creatorID)")" + detail([video])
        case "failed": return "Failed: " + sentence(job.lastError.isEmpty ? "\(vendor) did not render the video" : job.lastError)
        case "cancelled": return "Cancelled" + (job.lastError.isEmpty ? "" : ": " + sentence(job.lastError))
        default: return "\(job.state.prefix(1).uppercased() + job.state.dropFirst())" + detail([video])
        }
    }

    static func sentence(_ text: String) -> String {
        let text = text.prefix(1).uppercased() + text.dropFirst()
        return text.hasSuffix(".") || text.hasSuffix(")") ? text : text + "."
    }

    /// The item page's render section (admins): the job in words and, for a failed job, the
    /// Retry render form; a refusal of the retry is shown under it (`render`).
    static func section(_ item: Luma_Content_V1_ContentItem, session: StudioSession, flash: StudioSession.Flash?,
                        creatorName: String?) -> HTML {
        let job = item.render
        let csrf = Layout.csrf(session)
        let failed = job.state == "failed"
        // Whether a retry is allowed is content-pipeline's call (`actions`).
        let retry: HTML = item.actions.contains(.retryRender)
            ? """
                <form method="post" action="/items/\(item.id)/retry-render">\(csrf)
                <p><button type="submit" id="field-render">Retry render</button></p></form>
                <p>Or unassign the item and assign a person.</p>
                """
            : ""
        let video: HTML = job.vendorVideoID.isEmpty ? "" : "<dt>Vendor video</dt><dd>\(job.vendorVideoID)</dd>"
        let facts: HTML = """
            <dl class="facts" id="render-facts"><dt>Vendor</dt><dd>\(vendorName(job.vendor))</dd>\(video)
            <dt>Attempts failed in a row</dt><dd>\(job.attempts)</dd>
            <dt>Job</dt><dd>\(job.id), created <time datetime="\(job.createdAt)">\(job.createdAt)</time></dd></dl>
            """
        return """
            <section class="card render render-\(job.state)" aria-labelledby="render-heading"><h2 id="render-heading">Render</h2>
            <p id="render-status" class="\(HTML(raw: failed ? "error" : "notice"))">\(words(job, creatorName: creatorName))</p>
            \(facts)\(retry)\(Layout.fieldError("render", flash: flash))</section>
            """
    }
}
