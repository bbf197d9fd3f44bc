import Foundation
import LumaRPC
import LumaValues

/// When an approved item is published: at midnight of its post date in its language channel's
/// time zone (docs/content.md, "Publishing"). The zones come from the language packs
/// (`time_zone`) unless content-pipeline's `--channel-time-zones` names others. The clock is a
/// parameter: tests move it.
public struct PublicationCalendar: Sendable {
    public var zones: [String: TimeZone]
    public var now: @Sendable () -> Date

    public init(zones: [String: TimeZone] = PublicationCalendar.bundledZones, now: @escaping @Sendable () -> Date = { Date() }) {
        self.zones = zones
        self.now = now
    }

    /// Each bundled language pack's channel zone.
    public static var bundledZones: [String: TimeZone] {
        LanguagePack.bundled.compactMapValues { TimeZone(identifier: $0.timeZone) }
    }

    /// The channel's zone; a language without one publishes at midnight UTC.
    public func zone(_ language: String) -> TimeZone {
        zones[language] ?? TimeZone(identifier: "UTC")!
    }

    func calendar(_ language: String) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone(language)
        return calendar
    }

    /// Midnight of `date` in the channel's zone.
    public func publishedAt(_ date: CalendarDate, language: String) -> Date {
        calendar(language).date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
    }

    /// The channel's date now.
    public func today(_ language: String) -> CalendarDate {
        let parts = calendar(language).dateComponents([.year, .month, .day], from: now())
        return CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// The next midnight in the channel's zone: when the next day is published.
    public func nextPublication(_ language: String) -> Date {
        publishedAt(today(language).adding(days: 1), language: language)
    }

    /// Where an approved item stands; nil before approval.
    func state(of item: ContentRecord) -> Publication? {
        guard item.status == .approved else { return nil }
        if item.unpublishedAt != nil { return .unpublished }
        guard let date = CalendarDate(item.postDate) else { return .scheduled }
        return date <= today(item.language) ? .published : .scheduled
    }

    /// Parses `LANG=ZONE,LANG=ZONE` (IANA names: en=America/New_York).
    public static func zones(_ text: String) throws -> [String: TimeZone] {
        var zones: [String: TimeZone] = [:]
        for pair in text.split(separator: ",") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].count == 2, parts[0].allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw RPCError.invalidArgument("--channel-time-zones takes LANG=ZONE pairs (en=America/New_York,es=America/Mexico_City), not '\(pair)'",
                                               field: "channel-time-zones")
            }
            guard let zone = TimeZone(identifier: parts[1]) else {
                throw RPCError.invalidArgument("'\(parts[1])' is not a time zone name (an IANA name such as America/New_York)",
                                               field: "channel-time-zones")
            }
            zones[parts[0].lowercased()] = zone
        }
        return zones
    }
}

/// An approved item's place in publishing.
public enum Publication: String, Sendable {
    /// Its midnight has not come in its channel's zone.
    case scheduled
    /// On the feed.
    case published
    /// Pulled by an admin (`Unpublish`); `Republish` puts it back.
    case unpublished
}
