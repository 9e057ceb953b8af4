import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 over a plain socket, for what the test client cannot do: send a body in chunks while reading the answer.
public enum RawHTTP {
    /// Runs blocking socket work on a thread of its own, so it never holds one of the few threads that run Swift
    /// tasks (a server under test in the same process needs them to answer).
    public static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// A failure to talk to the server.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// A TCP connection to the loopback address.
    public final class Connection {
        private let socket: Int32
        private var received: [UInt8] = []

        /// Connects to `127.0.0.1:port`.
        public init(port: Int) throws {
            socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw Failure(description: "socket() failed") }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else { throw Failure(description: "connect() to port \(port) failed") }
        }

        deinit { close(socket) }

        /// Sends text as it is.
        public func send(_ text: String) throws {
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { throw Failure(description: "send() failed") }
                offset += written
            }
        }

        /// Sends one chunk of a chunked body.
        public func sendChunk(_ text: String) throws {
            try send(String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n")
        }

        /// Reads until everything received so far satisfies `done`, or the peer closes; returns all of it.
        public func receive(until done: (String) -> Bool) throws -> String {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !done(String(decoding: received, as: UTF8.self)) {
                let count = recv(socket, &buffer, buffer.count, 0)
                if count == 0 { break }
                guard count > 0 else { throw Failure(description: "timed out waiting for the server; received so far: \(String(decoding: received, as: UTF8.self))") }
                received += buffer[0..<count]
            }
            return String(decoding: received, as: UTF8.self)
        }
    }

    /// GETs a path on a new connection and returns the status line, headers and body as received.
    public static func get(port: Int, path: String) throws -> String {
        let connection = try Connection(port: port)
        try connection.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return try connection.receive(until: { _ in false })
    }

    /// POSTs a body (empty by default) with extra headers on a new connection; returns everything the server answered.
    public static func post(port: Int, path: String, headers: [String: String], body: String = "") throws -> String {
        let connection = try Connection(port: port)
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        try connection.send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\(extra)\r\n" + body)
        return try connection.receive(until: { _ in false })
    }

    /// POSTs a body in chunks and returns the status and the de-chunked response body.
    public static func chunkedPost(port: Int, path: String, chunks: [String]) throws -> (status: Int, body: String) {
        let connection = try Connection(port: port)
        try connection.send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        for chunk in chunks { try? connection.sendChunk(chunk) }
        try? connection.send("0\r\n\r\n")
        let response = try connection.receive(until: { $0.hasSuffix("\r\n0\r\n\r\n") })
        guard let headerEnd = response.range(of: "\r\n\r\n"), let status = Int(response.split(separator: " ").dropFirst().first ?? "") else {
            throw Failure(description: "not an HTTP response: \(response.prefix(200))")
        }
        // Work on bytes: "\r\n" is a single Character in Swift strings.
        var rest = Array(response[headerEnd.upperBound...].utf8)[...]
        var body: [UInt8] = []
        while let lineEnd = rest.firstIndex(of: 0x0D), let size = Int(String(decoding: rest[..<lineEnd], as: UTF8.self), radix: 16), size > 0 {
            let start = lineEnd + 2
            body += rest[start..<start + size]
            rest = rest[(start + size + 2)...]
        }
        return (status, String(decoding: body, as: UTF8.self))
    }
}
