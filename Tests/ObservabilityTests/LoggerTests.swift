import Contracts
import Foundation
import Testing
@testable import Observability
import Observability

@Suite struct LoggerTests {
    final class Lines: @unchecked Sendable {
        // Guarded by `lock`; the sink may be called from any thread.
        private let lock = NSLock()
        private var storage: [String] = []
        func append(_ l: String) { lock.withLock { storage.append(l) } }
        var all: [String] { lock.withLock { storage } }
    }

    @Test func writesOneJSONObjectPerLineAboveTheLevel() throws {
        let lines = Lines()
        let logger = Logger(label: "test", level: .info, sink: { lines.append($0) })
        logger.debug("hidden")
        logger.warning("dead-lettered", ["code": "json.syntax", "position": "t:0:5"])
        #expect(lines.all.count == 1)
        let v = try JSONParser.parse(lines.all[0])
        #expect(v["level"] == "warning")
        #expect(v["message"] == "dead-lettered")
        #expect(v["code"] == "json.syntax")
        #expect(v["time"]?.stringValue?.hasSuffix("Z") == true)
    }
}
