import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import RumorLedger

/// Builds a witness's HTTP application (`rumorctl witness serve`): `POST /add-checkpoint` as C2SP tlog-witness
/// v1.0.0 specifies it (``Witness/addCheckpoint(_:)`` decides), and `GET /healthz`. An election office, a newsroom
/// or a university runs one for another's site, so that the site cannot show two histories without being caught.
/// - Parameters:
///   - witness: the witness: its key and its state.
///   - host: the address to listen on.
///   - port: the port (0 picks a free one).
///   - logger: the server's logger.
///   - onServerRunning: called with the bound port once the server listens.
/// - Returns: the application, ready for `runService()`.
public func buildWitnessApplication(
    witness: Witness, host: String, port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/healthz") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: witness.signer.verifier.vkey + "\n")))
    }
    router.post("/add-checkpoint") { request, _ -> Response in
        // A request is an old size, at most 63 hashes and a checkpoint with its signatures: a few kilobytes.
        let limit = 64 * 1024
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { return plain(.contentTooLarge, "the request is over \(limit) bytes") }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            return plain(.contentTooLarge, "the request is over \(limit) bytes")
        }
        do {
            let answer = try await witness.addCheckpoint(Array(buffer: body))
            if answer.status != 200 { logger.info("add-checkpoint refused", metadata: ["status": "\(answer.status)", "reason": "\(answer.body.prefix(200))"]) }
            return Response(
                status: HTTPResponse.Status(code: answer.status), headers: [.contentType: answer.contentType],
                body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        } catch {
            logger.error("the witness's state could not be read or written", metadata: ["error": "\(error)"])
            return plain(.internalServerError, "the witness could not record the checkpoint; nothing was cosigned")
        }
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "RumorControl-witness"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}

private func plain(_ status: HTTPResponse.Status, _ message: String) -> Response {
    Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
}
