import Foundation
import LumaRPC

/// Field validation that answers INVALID_ARGUMENT naming the field, shared by the services so
/// every one reports bad input the same way.
public enum Validate {
    /// A calendar date "YYYY-MM-DD" between 1900 and 2999 that exists (no 2026-02-30).
    @discardableResult
    public static func date(_ value: String, field: String) throws -> CalendarDate {
        guard let date = CalendarDate(value) else {
            if value.isEmpty { throw RPCError.invalidArgument("\(field) is required (YYYY-MM-DD)", field: field) }
            throw RPCError.invalidArgument(
                "\(field) '\(value.prefix(40))' is not a valid date (expected YYYY-MM-DD)", field: field)
        }
        return date
    }

    /// A non-empty string of at most `max` characters, trimmed.
    public static func text(_ value: String, field: String, max: Int, required: Bool = true) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && trimmed.isEmpty { throw RPCError.invalidArgument("\(field) is required", field: field) }
        guard trimmed.count <= max else {
            throw RPCError.invalidArgument("\(field) is too long (\(trimmed.count) characters; at most \(max))", field: field)
        }
        return trimmed
    }

    /// A positive row id.
    public static func id(_ value: Int64, field: String) throws -> Int64 {
        guard value > 0 else { throw RPCError.invalidArgument("\(field) must be a positive id, not \(value)", field: field) }
        return value
    }

    /// Page size with a default and a ceiling.
    public static func pageSize(_ value: UInt32, default defaultSize: Int = 100, max: Int = 1000) throws -> Int {
        if value == 0 { return defaultSize }
        guard value <= max else { throw RPCError.invalidArgument("page_size must be at most \(max)", field: "page_size") }
        return Int(value)
    }

    /// Opaque page tokens are offsets, base64-encoded so clients do not build them by hand.
    public static func pageOffset(_ token: String) throws -> Int {
        if token.isEmpty { return 0 }
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8),
              let offset = Int(text), offset >= 0 else {
            throw RPCError.invalidArgument("page_token is not a token this service issued", field: "page_token")
        }
        return offset
    }

    public static func pageToken(offset: Int) -> String {
        Data(String(offset).utf8).base64EncodedString()
    }
}

/// A date without time or zone, as the product thinks of a post date.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1900...2999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }
    /// "2026-12", the month capacity is counted in.
    public var monthKey: String { String(format: "%04d-%02d", year, month) }

    /// Days since 1970-01-01 (proleptic Gregorian), for ranges and arithmetic.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber: Int) {
        let z = dayNumber + 719468
        let era = z / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(dayNumber: dayNumber + days) }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    /// Today in UTC.
    public static var today: CalendarDate {
        CalendarDate(dayNumber: Int(Date().timeIntervalSince1970 / 86_400))
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, the format every service stores and returns.
public enum Timestamp {
    public static func now() -> String {
        rfc3339(Date())
    }

    public static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
