import Testing
@testable import LumaCLI

@Suite("Terminal output")
struct OutputTests {
    @Test func colouredCellsAreMeasuredByWhatTheTerminalShows() {
        #expect(Output.visibleWidth(BoardCommand.paint("approved")) == 8)
        #expect(BoardCommand.paint("approved") != "approved")
        #expect(Output.visibleWidth("plain") == 5)
    }
}
