import LumaValues

/// The Western church year, computed: which season (if any) a date falls in. On a season's
/// dates a bible item takes its passage from the season's category in verse-registry (the
/// same slug: "advent", "good-friday", ...) and its scripts open with the season's wording
/// from the language pack; every other day follows the ordinary rotation of categories, which
/// never picks a season's category. docs/content.md lists the dates; editors change a season's
/// passages with `lumactl verses picks|pin|exclude <season>` and its wording in the pack.
public enum ChurchYear {
    /// The seasons and feasts, in the order of the year (the slugs are category names).
    public static let seasons = [
        "advent", "christmas-day", "christmas", "epiphany", "ash-wednesday", "lent", "palm-sunday", "holy-week",
        "maundy-thursday", "good-friday", "holy-saturday", "easter-day", "easter", "ascension", "pentecost",
    ]

    /// The season or feast of `date`, nil in ordinary time.
    ///   advent            the fourth Sunday before Christmas .. Dec 24
    ///   christmas-day     Dec 25;  christmas: Dec 26 .. Jan 5;  epiphany: Jan 6
    ///   ash-wednesday     Easter - 46;  lent: Easter - 45 .. Easter - 8 (the Saturday before Palm Sunday)
    ///   palm-sunday       Easter - 7;  holy-week: Easter - 6 .. - 4;  maundy-thursday: - 3;
    ///   good-friday       Easter - 2;  holy-saturday: Easter - 1
    ///   easter-day        Easter;  easter: Easter + 1 .. + 6 (Easter week)
    ///   ascension         Easter + 39;  pentecost: Easter + 49
    public static func season(on date: CalendarDate) -> String? {
        switch (date.month, date.day) {
        case (12, 25): return "christmas-day"
        case (12, 26...31), (1, 1...5): return "christmas"
        case (1, 6): return "epiphany"
        default: break
        }
        if date >= adventSunday(date.year) { return "advent" }   // Dec 25-31 answered above
        let offset = date.dayNumber - easter(date.year).dayNumber
        switch offset {
        case -46: return "ash-wednesday"
        case -45 ... -8: return "lent"
        case -7: return "palm-sunday"
        case -6 ... -4: return "holy-week"
        case -3: return "maundy-thursday"
        case -2: return "good-friday"
        case -1: return "holy-saturday"
        case 0: return "easter-day"
        case 1...6: return "easter"
        case 39: return "ascension"
        case 49: return "pentecost"
        default: return nil
        }
    }

    /// Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher).
    public static func easter(_ year: Int) -> CalendarDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CalendarDate(year: year, month: month, day: day)
    }

    /// The first Sunday of Advent: four Sundays before Christmas (Nov 27 .. Dec 3).
    public static func adventSunday(_ year: Int) -> CalendarDate {
        let christmas = CalendarDate(year: year, month: 12, day: 25)
        // 1970-01-01 was a Thursday: weekday 0 = Sunday.
        let weekday = ((christmas.dayNumber + 4) % 7 + 7) % 7
        let fourthSunday = christmas.adding(days: -(weekday == 0 ? 7 : weekday))
        return fourthSunday.adding(days: -21)
    }
}
