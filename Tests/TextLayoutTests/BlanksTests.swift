import Testing
import TextLayout

@Suite("String.blanks: indents and padding")
struct BlanksTests {
    @Test("as many spaces as asked, none for zero or less, as String(repeating:) makes them",
          arguments: [-3, 0, 1, 2, 15, 16, 17, 80, 300])
    func spaces(count: Int) {
        let blanks = String.blanks(count)
        #expect(blanks == String(repeating: " ", count: max(0, count)))
        #expect(blanks.utf8.count == max(0, count) && blanks.utf8.allSatisfy { $0 == 0x20 })
        #expect((blanks + "x").count == max(0, count) + 1)   // a valid string others append to
    }
}
