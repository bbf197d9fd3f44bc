import LumaValues
import Testing
@testable import ContentPipeline

@Suite("The church year and the day's topic")
struct ChurchYearTests {
    func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

    /// Easter Sundays from published tables (including the earliest and latest possible).
    @Test func easterIsComputed() {
        let known = ["2024-03-31", "2025-04-20", "2026-04-05", "2027-03-28", "2028-04-16", "2029-04-01", "2030-04-21",
                     "2038-04-25", "2285-03-22", "1943-04-25", "2008-03-23", "2011-04-24"]
        for text in known {
            #expect(ChurchYear.easter(date(text).year) == date(text), "\(text)")
        }
    }

    /// Advent begins on the fourth Sunday before Christmas, between Nov 27 and Dec 3.
    @Test func adventBeginsFourSundaysBeforeChristmas() {
        for (year, sunday) in [(2022, "2022-11-27"), (2025, "2025-11-30"), (2026, "2026-11-29"), (2027, "2027-11-28"), (2028, "2028-12-03")] {
            #expect(ChurchYear.adventSunday(year) == date(sunday), "\(year)")
        }
    }

    @Test func every2027SeasonFallsOnItsDates() {
        let expected: [(String, String?)] = [
            ("2027-01-01", "christmas"), ("2027-01-05", "christmas"), ("2027-01-06", "epiphany"), ("2027-01-07", nil),
            ("2027-02-09", nil), ("2027-02-10", "ash-wednesday"), ("2027-02-11", "lent"), ("2027-03-20", "lent"),
            ("2027-03-21", "palm-sunday"), ("2027-03-22", "holy-week"), ("2027-03-24", "holy-week"),
            ("2027-03-25", "maundy-thursday"), ("2027-03-26", "good-friday"), ("2027-03-27", "holy-saturday"),
            ("2027-03-28", "easter-day"), ("2027-03-29", "easter"), ("2027-04-03", "easter"), ("2027-04-04", nil),
            ("2027-05-06", "ascension"), ("2027-05-16", "pentecost"), ("2027-05-17", nil),
            ("2027-11-27", nil), ("2027-11-28", "advent"), ("2027-12-24", "advent"), ("2027-12-25", "christmas-day"),
            ("2027-12-26", "christmas"), ("2027-12-31", "christmas"),
        ]
        for (text, season) in expected {
            #expect(ChurchYear.season(on: date(text)) == season, "\(text)")
        }
        // Lent is forty days besides Sundays... and Ash Wednesday through Holy Saturday is 46.
        let lent = (0..<365).map { date("2027-01-01").adding(days: $0) }.filter {
            ["ash-wednesday", "lent", "palm-sunday", "holy-week", "maundy-thursday", "good-friday", "holy-saturday"].contains(ChurchYear.season(on: $0) ?? "")
        }
        #expect(lent.count == 46)
    }

    /// On a season's dates the item takes the season's category (when verse-registry has it);
    /// ordinary days rotate through the other categories, never repeating on consecutive days.
    @Test func theDaysTopicFollowsTheSeasonThenTheRotation() {
        let ordinary = ["hope", "peace", "forgiveness", "faith", "love", "joy", "strength", "anxiety",
                        "gratitude", "patience", "comfort", "wisdom", "kindness"]
        let available = ordinary + ChurchYear.seasons
        #expect(DailyTopic.choose(on: date("2027-03-26"), available: available) == .init(category: "good-friday", season: "good-friday"))
        // A registry without the season's category: the rotation, with the season's wording.
        let older = DailyTopic.choose(on: date("2027-03-26"), available: ordinary)
        #expect(older?.season == "good-friday")
        #expect(ordinary.contains(older?.category ?? ""))
        var previous: DailyTopic.Choice?
        for day in 0..<(365 * 3) {
            let today = date("2027-01-01").adding(days: day)
            let choice = DailyTopic.choose(on: today, available: available)!
            if choice.season == nil {
                #expect(ordinary.contains(choice.category))
                if let previous, previous.season == nil { #expect(previous.category != choice.category, "\(today)") }
            }
            previous = choice
        }
        #expect(DailyTopic.choose(on: date("2027-07-01"), available: []) == nil)
    }
}
