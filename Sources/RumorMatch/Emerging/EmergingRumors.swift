import Foundation
import RumorCore

/// What is spreading that the knowledge base does not answer: election posts that passed the topic gate but matched
/// no entry, grouped by meaning (``AgglomerativeClustering`` over their embeddings), busiest first.
public enum EmergingRumors {
    /// A post to cluster.
    public struct Post: Sendable, Hashable {
        /// Its queue id.
        public var id: Int64
        /// Its text.
        public var text: String
        /// When it was seen.
        public var seen: Date
        /// Its embedding (unit length).
        public var vector: [Float]

        /// Creates a post.
        public init(id: Int64, text: String, seen: Date, vector: [Float]) {
            (self.id, self.text, self.seen, self.vector) = (id, text, seen, vector)
        }

        /// A stored unmatched post; nil once its text is gone.
        public init?(_ queued: QueuedPost, vector: [Float]) {
            guard let text = queued.text else { return nil }
            self.init(id: queued.id, text: text, seen: queued.queuedAt, vector: vector)
        }
    }

    /// A group of posts that say much the same thing.
    public struct Cluster: Sendable, Hashable {
        /// How many posts.
        public var size: Int
        /// The first and last time one was seen.
        public var firstSeen: Date
        public var lastSeen: Date
        /// Posts seen in the 24 hours before the clustering's `now`, and in the 24 hours before those.
        public var lastDay: Int
        public var dayBefore: Int
        /// Up to three posts nearest the cluster's centre, nearest first.
        public var representatives: [Post]
        /// The terms that set it apart from the other unmatched posts (frequent here, rare elsewhere), best first.
        public var topTerms: [String]

        /// The cluster as the API and `rumorctl emerging --json` write it.
        public var json: JSONValue {
            .members([
                ("size", .number(String(size))), ("first_seen", .string(firstSeen.ISO8601Format())), ("last_seen", .string(lastSeen.ISO8601Format())),
                ("last_24h", .number(String(lastDay))), ("previous_24h", .number(String(dayBefore))), ("top_terms", .strings(topTerms)),
                ("representatives", .array(representatives.map { JSONNode(.members([("id", .number(String($0.id))), ("text", .string($0.text))]), line: 0) })),
            ])
        }
    }

    /// How many unmatched posts the view clusters at most (the newest): 10,000 take seconds and 200 MB.
    public static let postLimit = 10_000

    /// Clusters `posts` as `model` says; clusters of one post are left out. Sorted by posts in the last day, then
    /// size.
    public static func clusters(_ posts: [Post], model: ClusteringModel, now: Date = Date(), minimumSize: Int = 2) -> [Cluster] {
        clusters(posts, assignment: assignment(posts, model: model), now: now, minimumSize: minimumSize)
    }

    /// The cluster of each post as `model` says (its style directions taken out of the embeddings first), numbered
    /// from 0: the costly part of ``clusters(_:model:now:minimumSize:)``, which a caller can keep while the posts
    /// stay the same.
    public static func assignment(_ posts: [Post], model: ClusteringModel) -> [Int] {
        guard !posts.isEmpty else { return [] }
        return AgglomerativeClustering.clusters(
            posts.map { model.project($0.vector) }, terms: model.termVectors(posts.map(\.text)), termWeight: model.termWeight, threshold: model.threshold)
    }

    /// The clusters of an ``assignment(_:model:)`` of `posts`, summarised as of `now`; clusters of fewer than
    /// `minimumSize` posts are left out. Sorted by posts in the last day, then size.
    public static func clusters(_ posts: [Post], assignment: [Int], now: Date = Date(), minimumSize: Int = 2) -> [Cluster] {
        precondition(assignment.count == posts.count, "one cluster number per post")
        guard !posts.isEmpty else { return [] }
        var members: [[Int]] = Array(repeating: [], count: (assignment.max() ?? 0) + 1)
        for (index, cluster) in assignment.enumerated() { members[cluster].append(index) }
        let terms = posts.map { Set(LexicalAnalyzer.terms($0.text.lowercased()).filter { $0.count > 2 && !$0.allSatisfy(\.isNumber) }) }
        var documentFrequency: [String: Int] = [:]
        for set in terms { for term in set { documentFrequency[term, default: 0] += 1 } }
        let day: TimeInterval = 86_400
        return members.filter { $0.count >= minimumSize }.map { indices in
            let group = indices.map { posts[$0] }
            let dimension = group[0].vector.count
            var centre = [Float](repeating: 0, count: dimension)
            for post in group { for k in 0..<dimension { centre[k] += post.vector[k] } }
            let representatives = group.map { post in (post, zip(post.vector, centre).reduce(0) { $0 + $1.0 * $1.1 }) }
                .sorted { $0.1 > $1.1 }.prefix(3).map(\.0)
            var counts: [String: Int] = [:]
            for index in indices { for term in terms[index] { counts[term, default: 0] += 1 } }
            let weight = { (term: String) -> Double in
                Double(counts[term]!) * log(Double(posts.count + 1) / Double(documentFrequency[term]! + 1))
            }
            let top = counts.keys.filter { counts[$0]! >= 2 || group.count < 4 }.sorted { (weight($0), $1) > (weight($1), $0) }.prefix(5)
            let times = group.map(\.seen)
            return Cluster(
                size: group.count, firstSeen: times.min()!, lastSeen: times.max()!,
                lastDay: times.filter { $0 > now - day && $0 <= now }.count, dayBefore: times.filter { $0 > now - 2 * day && $0 <= now - day }.count,
                representatives: Array(representatives), topTerms: Array(top))
        }.sorted { ($0.lastDay, $0.size, $0.lastSeen) > ($1.lastDay, $1.size, $1.lastSeen) }
    }
}
