import CRdKafka

/// The librdkafka this program runs with, and the oldest one it supports.
public enum LibrdkafkaVersion {
    /// The oldest librdkafka this build supports (2.8.0; older releases cannot talk to the
    /// test broker and miss fixes the client layer relies on).
    public static let minimum: Int = 0x0208_00ff

    /// librdkafka loaded at run time, as `rd_kafka_version()` reports it (0xMMmmrrpp).
    public static var runtimeNumber: Int { Int(rd_kafka_version()) }

    /// librdkafka loaded at run time, as text (`2.8.0`).
    public static var runtime: String { String(cString: rd_kafka_version_str()) }

    /// The librdkafka headers this program was compiled against (`RD_KAFKA_VERSION`).
    public static var headerNumber: Int { Int(RD_KAFKA_VERSION) }

    /// The header version as text (`2.8.0`).
    public static var header: String { describe(headerNumber) }

    /// `major.minor.revision` of a librdkafka version number, with `-preN` for pre-releases.
    public static func describe(_ number: Int) -> String {
        let major = (number >> 24) & 0xff
        let minor = (number >> 16) & 0xff
        let revision = (number >> 8) & 0xff
        let pre = number & 0xff
        return "\(major).\(minor).\(revision)" + (pre == 0xff ? "" : "-pre\(pre)")
    }

    /// What is wrong with the librdkafka in use, if anything: older than
    /// ``minimum``, or not the release the program was compiled against.
    public static func problems(
        runtime: Int = runtimeNumber, header: Int = headerNumber
    ) -> [String] {
        var problems: [String] = []
        if runtime < minimum {
            problems.append(
                "librdkafka \(describe(runtime)) is loaded, but EventBridge needs \(describe(minimum)) or newer "
                    + "(is an older system librdkafka found before /usr/local/lib? check with ldd)")
        }
        if runtime != header {
            problems.append(
                "librdkafka \(describe(runtime)) is loaded, but EventBridge was built against \(describe(header)); "
                    + "rebuild (delete .build) or fix the library search path")
        }
        return problems
    }

    /// Throws ``KafkaError/Code/versionMismatch`` listing ``problems(runtime:header:)``.
    public static func check() throws(KafkaError) {
        let problems = problems()
        guard problems.isEmpty else {
            throw KafkaError(.versionMismatch, message: problems.joined(separator: "; "))
        }
    }
}
