import Foundation
import HTTPTypes
import Synchronization

/// Token buckets per caller (an API token's name, or the client's address): each holds up to `burst` requests and
/// refills at `rate` per second. A caller over its budget gets 429 with `Retry-After`.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let rate: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    /// - Parameters:
    ///   - rate: requests per second allowed in the long run.
    ///   - burst: requests allowed at once.
    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes one request from `key`'s bucket; throws 429 when it is empty.
    func take(_ key: String) throws {
        let wait: Double? = buckets.withLock { buckets in
            let now = ContinuousClock.now
            if buckets.count > 100_000 { buckets = buckets.filter { now - $0.value.updated < .seconds(60) } }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            bucket.tokens = min(burst, bucket.tokens + rate * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
        if let wait {
            throw Problem(.tooManyRequests, detail: "Too many requests from this client; slow down to \(String(format: "%g", rate)) per second.",
                          headers: [.retryAfter: String(max(1, Int(wait.rounded(.up))))])
        }
    }
}
