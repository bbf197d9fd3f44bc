import LumaValues

/// Which verse category a bible item takes on its date when the caller names none: the church
/// year's season or feast when verse-registry has that category, else the ordinary rotation,
/// which walks the other categories in name order by day number, so two consecutive ordinary
/// days never share a category (and a category comes back every `count` days).
public enum DailyTopic {
    public struct Choice: Equatable, Sendable {
        /// The category to claim from.
        public let category: String
        /// The date's season or feast, for the scripts' wording (even when the registry has
        /// no category for it, the date is still Good Friday).
        public let season: String?
    }

    public static func choose(on date: CalendarDate, available: [String]) -> Choice? {
        let season = ChurchYear.season(on: date)
        if let season, available.contains(season) { return Choice(category: season, season: season) }
        let ordinary = available.filter { !ChurchYear.seasons.contains($0) }.sorted()
        guard !ordinary.isEmpty else { return nil }
        let index = ((date.dayNumber % ordinary.count) + ordinary.count) % ordinary.count
        return Choice(category: ordinary[index], season: season)
    }
}
