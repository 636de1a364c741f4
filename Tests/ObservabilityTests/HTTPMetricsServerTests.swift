import Foundation
import Glibc
import Synchronization
import Testing
@testable import Observability
import Observability
import TestSupport

@Suite struct HTTPMetricsServerTests {
    /// A readiness state the test flips while the server reads it from its own thread.
    final class ReadinessBox: Sendable {
        let state = Mutex<Readiness>(.notReady("consumer group not joined"))
    }

    /// A started server on an ephemeral loopback port with a counter already counted.
    func startedServer(_ configuration: MetricsServer.Configuration = .init(address: "127.0.0.1:0"),
                       readiness: @escaping @Sendable () -> Readiness = { .ready }) throws -> (MetricsServer, MetricsRegistry, Int) {
        let registry = MetricsRegistry(logger: .disabled)
        registry.counter("eventbridge_records_consumed_total", help: "Consumed.", labels: ["topic": "erp"]).add(7)
        let server = MetricsServer(registry: registry, configuration: configuration, logger: .disabled, readiness: readiness)
        try server.start()
        let port = try #require(server.boundPort)
        return (server, registry, port)
    }

    @Test func servesMetricsWithTheExpositionContentTypeOnAnEphemeralPort() throws {
        let (server, registry, port) = try startedServer()
        defer { server.stop() }
        #expect(port > 0)
        #expect(server.boundAddress == "127.0.0.1:\(port)")
        let response = try HTTPTestClient.request(port: port, "/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.headers["connection"] == "close")
        #expect(response.body == registry.render())
        #expect(response.body.contains("eventbridge_records_consumed_total{topic=\"erp\"} 7\n"))
        #expect(response.headers["content-length"] == String(response.body.utf8.count))
    }

    @Test func headReturnsTheLengthWithoutABody() throws {
        let (server, registry, port) = try startedServer()
        defer { server.stop() }
        let response = try HTTPTestClient.request(port: port, "/metrics", method: "HEAD")
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.headers["content-length"] == String(registry.render().utf8.count))
    }

    @Test func healthzIsOkAndReadyzFollowsTheReadinessClosure() throws {
        let box = ReadinessBox()
        let (server, _, port) = try startedServer(readiness: { box.state.withLock { $0 } })
        defer { server.stop() }
        let health = try HTTPTestClient.request(port: port, "/healthz")
        #expect(health.status == 200 && health.body == "ok\n")
        let notReady = try HTTPTestClient.request(port: port, "/readyz")
        #expect(notReady.status == 503)
        #expect(notReady.body == "not ready: consumer group not joined\n")
        box.state.withLock { $0 = .ready }
        let ready = try HTTPTestClient.request(port: port, "/readyz?verbose=1")
        #expect(ready.status == 200 && ready.body == "ready\n")
        box.state.withLock { $0 = Readiness.notReady("store commits failing").with(details: ["catalog sha256:ab12", "line\nbreak"]) }
        let detailed = try HTTPTestClient.request(port: port, "/readyz")
        #expect(detailed.status == 503 && detailed.body == "not ready: store commits failing\ncatalog sha256:ab12\nline break\n")
    }

    @Test func unknownPathsAre404AndOtherMethods405() throws {
        let (server, _, port) = try startedServer()
        defer { server.stop() }
        #expect(try HTTPTestClient.request(port: port, "/nope").status == 404)
        #expect(try HTTPTestClient.request(port: port, "/").status == 404)
        let post = try HTTPTestClient.request(port: port, "/metrics", method: "POST")
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        #expect(try HTTPTestClient.request(port: port, "/healthz", method: "DELETE").status == 405)
    }

    @Test func malformedRequestsAre400And505NeverACrash() throws {
        let (server, _, port) = try startedServer()
        defer { server.stop() }
        for raw in ["GARBAGE\r\n\r\n", "GET /metrics\r\n\r\n", "GET  /metrics HTTP/1.1\r\n\r\n", "GET metrics HTTP/1.1\r\n\r\n",
                    "GET /met\u{1}rics HTTP/1.1\r\n\r\n", "G(T /metrics HTTP/1.1\r\n\r\n", "\r\n\r\n", "GET /metrics FTP/1.0\r\n\r\n"] {
            #expect(try HTTPTestClient.exchange(port: port, raw).status == 400, "\(raw.debugDescription)")
        }
        #expect(try HTTPTestClient.exchange(port: port, "GET /metrics HTTP/2.0\r\n\r\n").status == 505)
        #expect(try HTTPTestClient.exchange(port: port, "GET http://127.0.0.1/healthz HTTP/1.0\n\n").status == 200)
        // Still serving after all that.
        #expect(try HTTPTestClient.request(port: port, "/healthz").status == 200)
    }

    @Test func oversizedRequestHeadIsRejectedWith431() throws {
        let (server, _, port) = try startedServer()
        defer { server.stop() }
        let padding = String(repeating: "a", count: 10 * 1024)
        let response = try HTTPTestClient.exchange(port: port, "GET /metrics HTTP/1.1\r\nX-Padding: \(padding)\r\n\r\n")
        #expect(response.status == 431)
        // Just under the limit is fine.
        let fits = String(repeating: "a", count: 7 * 1024)
        #expect(try HTTPTestClient.exchange(port: port, "GET /healthz HTTP/1.1\r\nX-Padding: \(fits)\r\n\r\n").status == 200)
    }

    @Test func anIdleClientDoesNotBlockScrapesAndTimesOutWith408() throws {
        let config = MetricsServer.Configuration(address: "127.0.0.1:0", readTimeoutMilliseconds: 2000)
        let (server, _, port) = try startedServer(config)
        defer { server.stop() }
        let idle = try HTTPTestClient.connect(port: port)
        defer { close(idle) }
        let slow = try HTTPTestClient.connect(port: port)
        defer { close(slow) }
        try HTTPTestClient.send(slow, "GET /metr")   // a partial head, then silence
        let started = ContinuousClock.now
        #expect(try HTTPTestClient.request(port: port, "/metrics").status == 200)
        #expect(ContinuousClock.now - started < .milliseconds(1500))   // not held up by the silent clients
        let timedOut = try HTTPTestClient.parse(HTTPTestClient.readToEnd(idle))
        #expect(timedOut.status == 408)
        #expect(try HTTPTestClient.parse(HTTPTestClient.readToEnd(slow)).status == 408)
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    @Test func hundredConcurrentScrapesAllSucceed() throws {
        let (server, registry, port) = try startedServer()
        defer { server.stop() }
        let expected = registry.render()
        // All 100 connections open at once, requests sent, then all responses read.
        let fds = try (0..<100).map { _ in try HTTPTestClient.connect(port: port) }
        defer { fds.forEach { close($0) } }
        for fd in fds { try HTTPTestClient.send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") }
        for fd in fds {
            let response = try HTTPTestClient.parse(HTTPTestClient.readToEnd(fd))
            #expect(response.status == 200 && response.body == expected)
        }
        // And 100 threads scraping at the same time.
        let ok = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 100) { _ in
            if let r = try? HTTPTestClient.request(port: port, "/metrics"), r.status == 200, r.body == expected {
                ok.wrappingAdd(1, ordering: .relaxed)
            }
        }
        #expect(ok.load(ordering: .relaxed) == 100)
    }

    @Test func connectionsOverTheLimitGet503() throws {
        let config = MetricsServer.Configuration(address: "127.0.0.1:0", maxConnections: 2)
        let (server, _, port) = try startedServer(config)
        defer { server.stop() }
        let held = try (0..<2).map { _ in try HTTPTestClient.connect(port: port) }
        defer { held.forEach { close($0) } }
        Thread.sleep(forTimeInterval: 0.1)   // let the server accept both
        let extra = try HTTPTestClient.connect(port: port)
        defer { close(extra) }
        #expect(try HTTPTestClient.parse(HTTPTestClient.readToEnd(extra)).status == 503)
    }

    @Test func stopClosesTheListenerAndIsIdempotent() throws {
        let (server, _, port) = try startedServer()
        let open = try HTTPTestClient.connect(port: port)
        defer { close(open) }
        server.stop()
        server.stop()
        #expect(server.boundAddress == nil)
        #expect(throws: HTTPTestClient.Failure.self) { try HTTPTestClient.connect(port: port) }
        #expect(try HTTPTestClient.readToEnd(open).isEmpty)   // the open connection was closed
        #expect { try server.start() } throws: { ($0 as? MetricsServerError)?.code == .alreadyStarted }
    }

    @Test func bindsIPv6LoopbackAndReportsItInBrackets() throws {
        let server = MetricsServer(registry: MetricsRegistry(logger: .disabled),
                                   configuration: .init(address: "[::1]:0"), logger: .disabled)
        try server.start()
        defer { server.stop() }
        let port = try #require(server.boundPort)
        #expect(server.boundAddress == "[::1]:\(port)")
    }

    @Test func startFailsClearlyOnBadOrBusyAddresses() throws {
        let (server, _, port) = try startedServer()
        defer { server.stop() }
        let busy = MetricsServer(registry: MetricsRegistry(logger: .disabled),
                                 configuration: .init(address: "127.0.0.1:\(port)"), logger: .disabled)
        #expect { try busy.start() } throws: { ($0 as? MetricsServerError)?.code == .bindFailed }
        for address in ["9464", "127.0.0.1:", "127.0.0.1:99999", "no-such-host.invalid:9464", ":9464"] {
            let bad = MetricsServer(registry: MetricsRegistry(logger: .disabled),
                                    configuration: .init(address: address), logger: .disabled)
            #expect(throws: MetricsServerError.self, "\(address)") { try bad.start() }
        }
    }

    @Test func parsesTheRequestLineOnlyFromCompleteHeads() {
        #expect(HTTPRequestHead.headLength(in: Array("GET / HTTP/1.1\r\nA: b\r\n".utf8)) == nil)
        #expect(HTTPRequestHead.headLength(in: Array("GET / HTTP/1.1\r\n\r\nrest".utf8)) == 18)
        #expect(HTTPRequestHead.headLength(in: Array("GET / HTTP/1.1\n\n".utf8)) == 16)
        let head = HTTPRequestHead.parse(ArraySlice("HEAD /metrics?x=1#f HTTP/1.0\r\n\r\n".utf8))
        #expect(head == .success(HTTPRequestHead(method: "HEAD", path: "/metrics", version: "HTTP/1.0")))
        #expect(HTTPRequestHead.parse(ArraySlice("GET /\u{e9} HTTP/1.1\r\n\r\n".utf8)) == .failure(.malformed))
    }
}
