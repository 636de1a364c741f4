/// Maps a request to a response: `/metrics`, `/healthz`, `/readyz`; 404 for other paths, 405
/// for methods other than GET and HEAD.
struct MetricsRouter: Sendable {
    let registry: MetricsRegistry
    let readiness: @Sendable () -> Readiness

    /// The rendered exposition text, rendered at most once for all scrapes answered in one
    /// pass of the I/O loop (100 concurrent scrapes cost one rendering).
    struct ScrapeCache {
        fileprivate var body: [UInt8]?
    }

    /// The response to `head`, serialized (without a body for HEAD).
    func response(for head: HTTPRequestHead, cache: inout ScrapeCache) -> [UInt8] {
        let isHead = head.method == "HEAD"
        let response: HTTPResponse
        switch head.path {
        case "/metrics", "/healthz", "/readyz":
            guard head.method == "GET" || isHead else {
                response = .text(405, "method not allowed", headers: [("Allow", "GET, HEAD")])
                break
            }
            response = answer(head.path, cache: &cache)
        default:
            response = .text(404, "not found; try /metrics, /healthz or /readyz")
        }
        return response.serialized(includeBody: !isHead)
    }

    /// The response to a request that could not be parsed.
    static func response(for problem: HTTPRequestHead.Problem) -> [UInt8] {
        switch problem {
        case .malformed: return HTTPResponse.text(400, "bad request").serialized()
        case .unsupportedVersion: return HTTPResponse.text(505, "HTTP/1.0 and HTTP/1.1 only").serialized()
        }
    }

    private func answer(_ path: String, cache: inout ScrapeCache) -> HTTPResponse {
        switch path {
        case "/metrics":
            let body = cache.body ?? Array(registry.render().utf8)
            cache.body = body
            return HTTPResponse(status: 200, contentType: ExpositionFormat.contentType, body: body)
        case "/readyz":
            let state = readiness()
            let details = state.details.map { "\n" + sanitized($0) }.joined()
            if state.isReady { return .text(200, "ready" + details) }
            return .text(503, "not ready: " + (state.reason.isEmpty ? "unknown" : sanitized(state.reason)) + details)
        default:
            return .text(200, "ok")
        }
    }

    /// One line of printable text (a reason must not break the response).
    private func sanitized(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
    }
}
