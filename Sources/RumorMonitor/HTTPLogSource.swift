import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Reads a RumorControl site over HTTP(S).
///
/// A 200 answer gives the body, a 404 gives nil, and anything else (another status, no connection, a timeout) throws a
/// ``MonitorError`` that names the URL.
public struct HTTPLogSource: LogSource {
    /// The site's base URL, without a trailing slash, e.g. `http://127.0.0.1:8080`.
    public let baseURL: String
    /// How long one request may take, in seconds.
    public let timeout: Double
    private let session: URLSession

    /// A source for the site at `baseURL`.
    ///
    /// - Parameters:
    ///   - baseURL: an `http` or `https` URL with a host; a trailing slash is ignored.
    ///   - timeout: seconds one request may take.
    /// - Returns: nil if `baseURL` is not such a URL.
    public init?(baseURL: String, timeout: Double = 30) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else { return nil }
        self.baseURL = base
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 4
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // Tiles are fetched many at a time; let them share connections.
        configuration.httpMaximumConnectionsPerHost = 16
        session = URLSession(configuration: configuration)
    }

    /// The full URL of a path.
    public func location(of path: String) -> String { baseURL + "/" + path }

    /// Fetches a path.
    ///
    /// - Returns: the body of a 200 answer; nil for a 404.
    /// - Throws: ``MonitorError/Code/network`` when no answer came; ``MonitorError/Code/httpStatus`` for another status.
    public func fetch(_ path: String) async throws -> [UInt8]? {
        let location = location(of: path)
        guard let url = URL(string: location) else { throw MonitorError.network(location, "not a valid URL") }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue("rumorctl-log-verify", forHTTPHeaderField: "User-Agent")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw MonitorError.network(location, (error as NSError).localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else { throw MonitorError.network(location, "the answer is not HTTP") }
        switch http.statusCode {
        case 200: return [UInt8](data)
        case 404: return nil
        default: throw MonitorError.httpStatus(location, status: http.statusCode)
        }
    }
}
