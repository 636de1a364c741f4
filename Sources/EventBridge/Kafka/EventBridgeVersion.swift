import CRdKafka

/// The project's version and the librdkafka it runs with.
public enum EventBridgeVersion {
    /// The EventBridge release.
    public static let version = "0.1.0"

    /// The oldest librdkafka this build supports (2.8.0; older releases cannot talk to the
    /// test broker and miss fixes the client layer relies on).
    public static let minimumLibrdkafka: Int = 0x0208_00ff

    /// librdkafka loaded at run time, as `rd_kafka_version()` reports it (0xMMmmrrpp).
    public static var librdkafkaRuntimeNumber: Int { Int(rd_kafka_version()) }

    /// librdkafka loaded at run time, as text (`2.8.0`).
    public static var librdkafkaRuntime: String { String(cString: rd_kafka_version_str()) }

    /// The librdkafka headers this program was compiled against (`RD_KAFKA_VERSION`).
    public static var librdkafkaHeaderNumber: Int { Int(RD_KAFKA_VERSION) }

    /// The header version as text (`2.8.0`).
    public static var librdkafkaHeader: String { describe(librdkafkaHeaderNumber) }

    /// `major.minor.revision` of a librdkafka version number, with `-preN` for pre-releases.
    public static func describe(_ number: Int) -> String {
        let major = (number >> 24) & 0xff
        let minor = (number >> 16) & 0xff
        let revision = (number >> 8) & 0xff
        let pre = number & 0xff
        return "\(major).\(minor).\(revision)" + (pre == 0xff ? "" : "-pre\(pre)")
    }

    /// What is wrong with the librdkafka in use, if anything: older than
    /// ``minimumLibrdkafka``, or not the release the program was compiled against.
    public static func librdkafkaProblems(
        runtime: Int = librdkafkaRuntimeNumber, header: Int = librdkafkaHeaderNumber
    ) -> [String] {
        var problems: [String] = []
        if runtime < minimumLibrdkafka {
            problems.append(
                "librdkafka \(describe(runtime)) is loaded, but EventBridge needs \(describe(minimumLibrdkafka)) or newer "
                    + "(is an older system librdkafka found before /usr/local/lib? check with ldd)")
        }
        if runtime != header {
            problems.append(
                "librdkafka \(describe(runtime)) is loaded, but EventBridge was built against \(describe(header)); "
                    + "rebuild (delete .build) or fix the library search path")
        }
        return problems
    }

    /// Throws ``KafkaError/Code/versionMismatch`` listing ``librdkafkaProblems(runtime:header:)``.
    public static func checkLibrdkafka() throws(KafkaError) {
        let problems = librdkafkaProblems()
        guard problems.isEmpty else {
            throw KafkaError(.versionMismatch, message: problems.joined(separator: "; "))
        }
    }
}
