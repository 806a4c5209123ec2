import Foundation
import NIOCore
import NIOPosix

/// One client connection through the gateway.
///
/// It answers `ApiVersions` (``KafkaAPIVersions``), `SaslHandshake` and `SaslAuthenticate`
/// itself; before authentication any other request closes the connection, as a SASL listener
/// does. Once authenticated, frames flow both ways unchanged except the responses that carry
/// broker addresses (``KafkaResponseRewriter``), and every answer reaches the client in request
/// order (``GatewayAnswerQueue``). The connection is closed when the session ends — unless the
/// client re-authenticates first (KIP-368).
///
/// What a client can make it hold is bounded (``GatewayLimits``): frames before authentication
/// are small, authentication has a deadline, idle connections are closed, the upstream broker is
/// dialled only once there is something to forward (after authentication), and reading from
/// either side pauses while
/// the other side does not take what is written to it, or while too many requests are in flight.
///
/// Everything here runs on the client channel's event loop; the upstream channel shares it.
final class GatewayConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let shared: GatewayShared
    private let listener: Int
    private let upstreamAddress: SocketAddress
    private let frameLimit: KafkaFrameSizeLimit
    private var context: ChannelHandlerContext?
    private var upstream: (any Channel)?
    private var dialling = false
    private var waitingForUpstream: [ByteBuffer] = []
    /// Answers owed to the client, in request order.
    private var answers = GatewayAnswerQueue()
    /// The place of the SaslAuthenticate answer being decided (it may be delayed by a fault).
    private var pendingAuthentication: GatewayAnswerQueue.Slot?
    private var upstreamWritable = true
    private var readsPaused = false
    /// Whether the upstream channel reads (it pauses while the client does not take our writes).
    private var upstreamReading = true
    private var handshakeDone = false
    private var session: AuthenticatedSession?
    /// When the authenticated session ends (``closeIfSessionEnded(_:context:)``).
    private var sessionEnd: NIODeadline?
    private var authenticationDeadline: Scheduled<Void>?
    /// What the client said it is in ApiVersions v3+ (`name/version`), for the counters.
    private var clientSoftware: String?
    /// Frames held back, in order, while a group member's earlier request is still upstream
    /// (``GatewayGroupRequestGuard``); `nil` when not holding.
    private var held: [(frame: ByteBuffer, member: KafkaGroupMember?)]?
    /// Group members with a JoinGroup or SyncGroup sent upstream and not answered yet: each
    /// holds the ``GatewayGroupRequestGuard`` until it is released once, here.
    private var unansweredGroupRequests: [KafkaGroupMember] = []
    /// After the client closed: the members whose requests this upstream connection still
    /// waits to see answered before it closes, and the latest it waits.
    private var parkedGroupRequests: [KafkaGroupMember] = []
    private var parkingDeadline: Scheduled<Void>?
    /// The parking deadline passed and the gateway closed the upstream connection itself.
    private var parkingExpired = false

    init(shared: GatewayShared, listener: Int, upstreamAddress: SocketAddress, frameLimit: KafkaFrameSizeLimit) {
        self.shared = shared
        self.listener = listener
        self.upstreamAddress = upstreamAddress
        self.frameLimit = frameLimit
    }

    private var requiresAuthentication: Bool {
        if case .mskIAM = shared.authentication { true } else { false }
    }

    private var authenticated: Bool { session != nil || !requiresAuthentication }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if let refusal = shared.connectionOpened(context.channel, listener: listener) {
            shared.logger.debug("closing a new connection at once", metadata: ["listener": "\(listener)", "why": "\(refusal)"])
            context.close(promise: nil)
            return
        }
        if requiresAuthentication {
            frameLimit.maximum = shared.limits.maximumFrameSizeBeforeAuthentication
            let channel = context.channel
            let counters = shared.counters
            authenticationDeadline = context.eventLoop.scheduleTask(in: TimeAmount(shared.limits.authenticationTimeout)) {
                counters.update { $0.authenticationTimeouts += 1 }
                channel.close(promise: nil)
            }
        } else {
            frameLimit.maximum = shared.limits.maximumFrameSize
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        shared.connectionClosed(context.channel)
        authenticationDeadline?.cancel()
        if let upstream, !unansweredGroupRequests.isEmpty {
            park(upstream)
        } else {
            upstream?.close(promise: nil)
            // Never written upstream (still dialling): the mock holds nothing of them.
            releaseUnansweredGroupRequests()
        }
        context.fireChannelInactive()
    }

    /// Keeps `upstream` open until the mock has answered the group requests sent on it, so that
    /// it never sees the same member's next one first (``GatewayGroupRequestGuard``).
    private func park(_ upstream: any Channel) {
        parkedGroupRequests = unansweredGroupRequests
        unansweredGroupRequests.removeAll()
        // Nothing writes to the client any more: the upstream must read for the answers to come.
        upstream.setOption(.autoRead, value: true).whenComplete { _ in }
        let bound = NIOLoopBound(self, eventLoop: upstream.eventLoop)
        parkingDeadline = upstream.eventLoop.scheduleTask(in: GatewayGroupRequestGuard.maximumParking) {
            bound.value.parkingExpired = true
            upstream.close(promise: nil)
        }
    }

    private func releaseUnansweredGroupRequests() {
        for member in unansweredGroupRequests { shared.groupGuard.release(member) }
        unansweredGroupRequests.removeAll()
    }

    /// An answer on a parked upstream connection (the client has gone): dropped, and the member
    /// whose request it answers is let go.
    private func parkedAnswer(_ frame: ByteBuffer) {
        guard let correlationID = frame.getInteger(at: frame.readerIndex, as: Int32.self),
              let slot = answers.nextUpstream(matching: correlationID) else { return }
        if let member = slot.request?.groupMember, let index = parkedGroupRequests.firstIndex(of: member) {
            parkedGroupRequests.remove(at: index)
            shared.groupGuard.release(member)
        }
        if parkedGroupRequests.isEmpty {
            parkingDeadline?.cancel()
            upstream?.close(promise: nil)
        }
    }

    /// Sends the frames held while a group member's earlier request was upstream, in order —
    /// until one whose member's guard is taken again: that one and the rest wait once more.
    private func releaseHeld() {
        guard let context, let waiting = held else { return }
        var frames = waiting[...]
        held = nil
        while let (frame, member) = frames.first {
            if let member, !shared.groupGuard.tryAcquire(member, resume: resumeWhenFree(context)) {
                held = Array(frames)
                break
            }
            frames.removeFirst()
            send(frame, member: member, context: context)
        }
        upstream?.flush()
        updateReading()
    }

    /// What a waiting member's guard calls once free: try the held frames again, on this
    /// connection's event loop.
    private func resumeWhenFree(_ context: ChannelHandlerContext) -> @Sendable () -> Void {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        return { eventLoop.execute { bound.value.releaseHeld() } }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is KafkaWireError {
            shared.counters.update { $0.malformedFrames += 1 }
            shared.logger.info("closing a connection that sent an unreadable frame", metadata: ["error": "\(error)"])
        } else {
            shared.logger.debug("gateway connection error", metadata: ["error": "\(error)"])
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            shared.counters.update { $0.idleTimeouts += 1 }
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        updateReading()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var reader = frame
        let header: KafkaRequestHeader
        do {
            header = try KafkaRequestHeader.read(from: &reader)
        } catch {
            shared.counters.update { $0.malformedFrames += 1 }
            shared.logger.info("closing a connection that sent an unreadable request header", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        guard requiresAuthentication else {
            if header.apiKey == KafkaAPI.apiVersions {
                answerAPIVersions(header, body: reader, context: context)
            } else {
                forward(frame, header: header, body: reader)
            }
            return
        }
        if closeIfSessionEnded(header, context: context) { return }
        switch header.apiKey {
        case KafkaAPI.saslHandshake:
            handshake(header, body: reader, context: context)
        case KafkaAPI.saslAuthenticate:
            authenticate(header, body: reader, context: context)
        case KafkaAPI.apiVersions:
            answerAPIVersions(header, body: reader, context: context)
        default:
            guard session != nil else {
                shared.counters.update { $0.unauthenticatedRequests += 1 }
                shared.logger.info("closing a connection that sent API \(header.apiKey) before authenticating")
                context.close(promise: nil)
                return
            }
            forward(frame, header: header, body: reader)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream?.flush()
        context.fireChannelReadComplete()
    }

    // MARK: Flow control

    /// Reads from the client only while the client takes our writes, the upstream takes what we
    /// forward, and fewer than the limit of requests are in flight; reads from the upstream only
    /// while the client takes our writes.
    private func updateReading() {
        guard let context else { return }
        let clientWritable = context.channel.isWritable
        let cap = authenticated ? shared.limits.maximumRequestsInFlight : shared.limits.maximumRequestsInFlightBeforeAuthentication
        let pause = !clientWritable || !upstreamWritable || answers.count >= cap
        if pause != readsPaused {
            readsPaused = pause
            try? context.channel.syncOptions?.setOption(.autoRead, value: !pause)
        }
        // Only on a change: this runs for every answer, and the option is a channel call.
        if let upstream, clientWritable != upstreamReading {
            upstreamReading = clientWritable
            try? upstream.syncOptions?.setOption(.autoRead, value: clientWritable)
        }
    }

    // MARK: Upstream

    /// Dials the upstream broker on the first request to forward, not when the client connects:
    /// a client that never sends anything costs one socket, not three.
    private func connectUpstream(context: ChannelHandlerContext) {
        dialling = true
        shared.counters.update { $0.upstreamConnections += 1 }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let maximumFrameSize = shared.limits.maximumFrameSize
        ClientBootstrap(group: context.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(limit: KafkaFrameSizeLimit(maximumFrameSize))))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(KafkaFrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(client: bound))
                }
            }
            .connect(to: upstreamAddress)
            .whenComplete { result in
                switch result {
                case .success(let channel): bound.value.upstreamConnected(channel)
                case .failure(let error): bound.value.upstreamClosed(reason: "connect failed: \(error)")
                }
            }
    }

    private func upstreamConnected(_ channel: any Channel) {
        guard context != nil else {
            channel.close(promise: nil)
            return
        }
        upstream = channel
        for frame in waitingForUpstream { channel.write(frame, promise: nil) }
        waitingForUpstream.removeAll()
        channel.flush()
        updateReading()
    }

    /// The upstream broker closed (or could not be reached): so does the client connection.
    fileprivate func upstreamClosed(reason: String) {
        shared.logger.debug("upstream connection closed", metadata: ["reason": "\(reason)"])
        // Whatever it still held for the mock is gone with it — once the mock has seen the close:
        // at once when the mock closed it (or it never connected), after a while when the
        // gateway did.
        let parked = parkedGroupRequests
        parkedGroupRequests.removeAll()
        parkingDeadline?.cancel()
        if parkingExpired, let upstream, !parked.isEmpty {
            let guardian = shared.groupGuard
            upstream.eventLoop.scheduleTask(in: GatewayGroupRequestGuard.closeSettling) {
                for member in parked { guardian.release(member) }
            }
        } else {
            for member in parked { shared.groupGuard.release(member) }
        }
        releaseUnansweredGroupRequests()
        context?.close(promise: nil)
    }

    fileprivate func upstreamWritabilityChanged(_ writable: Bool) {
        upstreamWritable = writable
        updateReading()
    }

    fileprivate func upstreamResponse(_ frame: ByteBuffer) {
        guard let context else {
            parkedAnswer(frame)
            return
        }
        guard let correlationID = frame.getInteger(at: frame.readerIndex, as: Int32.self), let slot = answers.nextUpstream(matching: correlationID),
              let request = slot.request, request.correlationID == correlationID else {
            shared.logger.error("the upstream broker answered out of turn; closing the connection")
            context.close(promise: nil)
            return
        }
        if slot.answerIsDropped { return }
        if let member = request.groupMember, let index = unansweredGroupRequests.firstIndex(of: member) {
            unansweredGroupRequests.remove(at: index)
            shared.groupGuard.release(member)
        }
        var response = frame
        if KafkaAPI.rewrittenVersionCaps[request.apiKey] != nil || request.amendment.changesAnswer {
            let body = frame.getSlice(at: frame.readerIndex + 4, length: frame.readableBytes - 4) ?? ByteBuffer()
            do {
                var rewritten: ByteBuffer?
                switch request.amendment {
                case .addDenied(let denied):
                    rewritten = try KafkaDenialAnswers.merge(body, apiKey: request.apiKey, version: request.version, denied: denied, allocator: context.channel.allocator)
                case .filterMetadata(let named):
                    let filter = metadataFilter(named: named)
                    rewritten = try shared.rewriter.rewrite(apiKey: request.apiKey, version: request.version, body: body, topicFilter: filter, allocator: context.channel.allocator)
                case .none:
                    rewritten = try shared.rewriter.rewrite(apiKey: request.apiKey, version: request.version, body: body, allocator: context.channel.allocator)
                }
                if let rewritten {
                    response = context.channel.allocator.buffer(capacity: rewritten.readableBytes + 4)
                    response.writeInteger(correlationID)
                    response.writeImmutableBuffer(rewritten)
                }
            } catch {
                shared.logger.error("cannot rewrite a response; closing the connection", metadata: ["api_key": "\(request.apiKey)", "error": "\(error)"])
                context.close(promise: nil)
                return
            }
        }
        slot.response = response
        writeReadyAnswers(flush: false)
    }

    /// The Metadata topics this connection's principal may see (checked when the answer comes,
    /// so that a policy replaced meanwhile applies to it).
    private func metadataFilter(named: Bool) -> KafkaResponseRewriter.TopicFilter? {
        guard let authorizer = shared.authorizer, let principal = session?.principal else { return nil }
        let resources = authorizer.resources
        return KafkaResponseRewriter.TopicFilter(named: named) { name in
            authorizer.authorize(principal: principal, action: .describeTopic, resource: resources.topic(name))
        }
    }

    /// Writes the answers whose turn it is.
    private func writeReadyAnswers(flush: Bool) {
        guard let context else { return }
        answers.takeReady { context.write(wrapOutboundOut($0), promise: nil) }
        if flush { context.flush() }
        updateReading()
    }

    fileprivate func upstreamReadComplete() {
        context?.flush()
    }

    private func forward(_ frame: ByteBuffer, header: KafkaRequestHeader, body: ByteBuffer) {
        guard let context else { return }
        // Policy or not: some malformed requests make the mock broker abort the process.
        do {
            try KafkaRequestCheck.check(apiKey: header.apiKey, version: header.apiVersion, body: body)
        } catch {
            shared.counters.update { $0.malformedFrames += 1 }
            shared.logger.info("closing a connection that sent an unreadable request", metadata: ["api_key": "\(header.apiKey)", "error": "\(error)"])
            context.close(promise: nil)
            return
        }
        var frame = frame
        var amendment = KafkaInFlightRequest.Amendment.none
        if let authorizer = shared.authorizer, authorizer.isEnforcing, let principal = session?.principal {
            guard let authorized = authorize(frame, header: header, body: body, authorizer: authorizer, principal: principal, context: context) else { return }
            (frame, amendment) = authorized
        }
        if header.apiKey == KafkaAPI.joinGroup {
            guard let joining = followGroupProtocol(frame, header: header, body: body, context: context) else { return }
            frame = joining
        } else if let group = GatewayGroupProtocols.group(apiKey: header.apiKey, version: header.apiVersion, body: body) {
            shared.groupProtocols.touch(group)
        }
        let member = KafkaGroupMember.of(apiKey: header.apiKey, version: header.apiVersion, body: body)
        let request = KafkaInFlightRequest(apiKey: header.apiKey, version: header.apiVersion, correlationID: header.correlationID,
                                           amendment: amendment, groupMember: member)
        if KafkaInFlightRequest.expectsResponse(header, body: body) {
            answers.expectUpstream(request)
        } else {
            answers.expectUpstreamWithoutAnswer(request)
        }
        if held == nil, let member, !shared.groupGuard.tryAcquire(member, resume: resumeWhenFree(context)) {
            held = []
            shared.counters.update { $0.groupRequestsHeld += 1 }
        }
        if held != nil {
            held?.append((frame, member))
        } else {
            send(frame, member: member, context: context)
        }
        updateReading()
    }

    /// Writes `frame` upstream, dialling the upstream broker first if needed; `member` when it
    /// is a group member's JoinGroup or SyncGroup.
    private func send(_ frame: ByteBuffer, member: KafkaGroupMember?, context: ChannelHandlerContext) {
        if let member { unansweredGroupRequests.append(member) }
        if let upstream {
            upstream.write(frame, promise: nil)
        } else {
            waitingForUpstream.append(frame)
            if !dialling { connectUpstream(context: context) }
        }
    }

    /// Applies the principal's policy to a request about to be forwarded: what to forward and
    /// how to amend the answer, or `nil` when the gateway answered it (or closed the connection).
    private func authorize(_ frame: ByteBuffer, header: KafkaRequestHeader, body: ByteBuffer, authorizer: MSKAuthorizer, principal: String,
                           context: ChannelHandlerContext) -> (ByteBuffer, KafkaInFlightRequest.Amendment)? {
        let verdict: GatewayVerdict
        do {
            verdict = try GatewayRequestAuthorization(authorizer: authorizer, principal: principal)
                .verdict(header, body: body, allocator: context.channel.allocator)
        } catch {
            shared.counters.update { $0.malformedFrames += 1 }
            shared.logger.info("closing a connection that sent an unreadable request", metadata: ["api_key": "\(header.apiKey)", "error": "\(error)"])
            context.close(promise: nil)
            return nil
        }
        switch verdict {
        case .forward:
            return (frame, .none)
        case .filterMetadata(let named):
            return (frame, .filterMetadata(named: named))
        case .forwardWithout(let newBody, let denied):
            // The header as it came, then the new body (`body` is the rest of `frame`).
            guard let headerBytes = frame.getSlice(at: frame.readerIndex, length: frame.readableBytes - body.readableBytes) else {
                context.close(promise: nil)
                return nil
            }
            var rewritten = context.channel.allocator.buffer(capacity: frame.readableBytes)
            rewritten.writeImmutableBuffer(headerBytes)
            rewritten.writeImmutableBuffer(newBody)
            return (rewritten, .addDenied(denied))
        case .answer(let answer):
            answerHere(answer, to: header, context: context)
            return nil
        case .close(let reason):
            shared.logger.info("closing a connection whose request was denied without an answer", metadata: ["reason": "\(reason)"])
            context.close(promise: nil)
            return nil
        }
    }

    /// A JoinGroup as the group's protocol wants it (``GatewayGroupProtocols``): as it came,
    /// with the group's protocol moved first, or `nil` when the gateway answered it (or closed
    /// the connection).
    private func followGroupProtocol(_ frame: ByteBuffer, header: KafkaRequestHeader, body: ByteBuffer, context: ChannelHandlerContext) -> ByteBuffer? {
        guard (0...5).contains(header.apiVersion) else { return frame }  // the mock refuses the others unread
        let request: KafkaJoinGroupRequest
        do {
            request = try KafkaJoinGroupRequest(version: header.apiVersion, body: body)
        } catch {
            shared.counters.update { $0.malformedFrames += 1 }
            shared.logger.info("closing a connection that sent an unreadable request", metadata: ["api_key": "\(header.apiKey)", "error": "\(error)"])
            context.close(promise: nil)
            return nil
        }
        switch shared.groupProtocols.decide(request) {
        case .forward:
            return frame
        case .preferring(let index):
            var joining = context.channel.allocator.buffer(capacity: frame.readableBytes)
            joining.writeImmutableBuffer(frame.getSlice(at: frame.readerIndex, length: frame.readableBytes - body.readableBytes) ?? ByteBuffer())
            joining.writeImmutableBuffer(request.body(preferring: index, allocator: context.channel.allocator))
            return joining
        case .refuse(let error, let reason):
            shared.logger.info("refusing a JoinGroup", metadata: ["group": "\(request.group)", "error": "\(error)", "why": "\(reason)"])
            let answer = KafkaDenialAnswers.singleErrorBody(apiKey: header.apiKey, version: header.apiVersion, error: error, message: reason,
                                                            allocator: context.channel.allocator) ?? ByteBuffer()
            answerHere(answer, to: header, context: context)
            return nil
        }
    }

    // MARK: Answered here

    /// Answers the request of `header` with `body` (after the response header) in its turn,
    /// without forwarding it.
    private func answerHere(_ body: ByteBuffer, to header: KafkaRequestHeader, context: ChannelHandlerContext) {
        var response = context.channel.allocator.buffer(capacity: body.readableBytes + 4)
        response.writeInteger(header.correlationID)
        response.writeImmutableBuffer(body)
        answers.reserveOwn().response = response
        writeReadyAnswers(flush: true)
    }

    /// ApiVersions, any version, from what the upstream supports (``KafkaAPIVersions``).
    private func answerAPIVersions(_ header: KafkaRequestHeader, body: ByteBuffer, context: ChannelHandlerContext) {
        if let software = KafkaAPIVersions.clientSoftware(version: header.apiVersion, body: body) {
            let key = MSKLocalCounters.clientSoftwareKey(name: software.name, version: software.version)
            clientSoftware = key
            shared.counters.clientSoftwareSeen(key)
        }
        let answer = shared.apiVersions.responseBody(version: header.apiVersion, allocator: context.channel.allocator)
        var response = context.channel.allocator.buffer(capacity: answer.readableBytes + 4)
        response.writeInteger(header.correlationID)
        response.writeImmutableBuffer(answer)
        answers.reserveOwn().response = response
        writeReadyAnswers(flush: true)
    }

    // MARK: SASL

    /// SaslHandshake v0/v1: `mechanism` → `error_code, [mechanisms]`.
    private func handshake(_ header: KafkaRequestHeader, body: ByteBuffer, context: ChannelHandlerContext) {
        var body = body
        let mechanism = (try? body.readKafkaString()) ?? nil
        var response = context.channel.allocator.buffer(capacity: 32)
        response.writeInteger(header.correlationID)
        let accepted = mechanism == "OAUTHBEARER"
        response.writeInteger(accepted ? KafkaErrorCode.none : KafkaErrorCode.unsupportedSaslMechanism)
        response.writeInteger(Int32(1))
        response.writeKafkaString("OAUTHBEARER")
        if accepted {
            handshakeDone = true
            answers.reserveOwn().response = response
            writeReadyAnswers(flush: true)
        } else {
            shared.logger.info("refused SASL mechanism", metadata: ["mechanism": "\(mechanism ?? "null")"])
            closeAfterWriting(response, context: context)
        }
    }

    /// SaslAuthenticate v0/v1: `auth_bytes` → `error_code, error_message, auth_bytes,
    /// session_lifetime_ms (v1)`.
    private func authenticate(_ header: KafkaRequestHeader, body: ByteBuffer, context: ChannelHandlerContext) {
        guard handshakeDone else {
            var response = context.channel.allocator.buffer(capacity: 64)
            response.writeInteger(header.correlationID)
            writeAuthenticateBody(&response, version: header.apiVersion, error: KafkaErrorCode.illegalSaslState, message: "SaslAuthenticate before SaslHandshake", lifetimeMs: 0)
            closeAfterWriting(response, context: context)
            return
        }
        handshakeDone = false
        var body = body
        let authBytes = ((try? body.readKafkaBytes()) ?? nil) ?? []
        let now = shared.faults.now()
        guard case .mskIAM(let validator) = shared.authentication else { return }
        var outcome = OAuthBearerInitialResponse.parse(authBytes).flatMap { validator.validate(token: $0.token, now: now) }
        if case .success = outcome, shared.faults.takeAuthenticationRejection() {
            outcome = .failure(.rejectedByFault)
        }
        if case .success = outcome, session == nil, !shared.admitNewConnection(listener: listener) {
            outcome = .failure(.tooManyConnects(perSecond: shared.limits.maximumNewConnectionsPerSecond ?? 0))
        }
        if case .success(let new) = outcome, let current = session, current.principal != new.principal {
            outcome = .failure(.principalChanged(from: current.principal, to: new.principal))
        }
        if case .success(let new) = outcome, let authorizer = shared.authorizer,
           !authorizer.authorize(principal: new.principal, action: .connect, resource: authorizer.resources.cluster) {
            outcome = .failure(.connectNotAllowed(principal: new.principal, cluster: authorizer.resources.cluster))
        }
        let decided = outcome
        pendingAuthentication = answers.reserveOwn()
        let delay = shared.faults.authenticationDelay
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        if delay > .zero {
            context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
                bound.value.answerAuthentication(header, outcome: decided, now: now)
            }
        } else {
            answerAuthentication(header, outcome: decided, now: now)
        }
    }

    private func answerAuthentication(_ header: KafkaRequestHeader, outcome: Result<AuthenticatedSession, MSKTokenRejection>, now: Date) {
        guard let context else { return }
        var response = context.channel.allocator.buffer(capacity: 128)
        response.writeInteger(header.correlationID)
        switch outcome {
        case .failure(let rejection):
            shared.counters.authenticationFailed(rejection)
            shared.logger.info("authentication refused", metadata: ["reason": "\(rejection.reasonCode)", "detail": "\(rejection)"])
            writeAuthenticateBody(&response, version: header.apiVersion, error: KafkaErrorCode.saslAuthenticationFailed, message: "\(rejection)", lifetimeMs: 0)
            closeAfterWriting(response, context: context)
        case .success(let authenticated):
            let reauthentication = session != nil
            session = authenticated
            authenticationDeadline?.cancel()
            authenticationDeadline = nil
            frameLimit.maximum = shared.limits.maximumFrameSize
            shared.counters.authenticationSucceeded(authenticated, reauthentication: reauthentication, clientSoftware: clientSoftware)
            let lifetimeMs = max(0, Int64((authenticated.sessionEnd.timeIntervalSince(now) * 1000).rounded(.down)))
            writeAuthenticateBody(&response, version: header.apiVersion, error: KafkaErrorCode.none, message: nil, lifetimeMs: lifetimeMs)
            pendingAuthentication?.response = response
            pendingAuthentication = nil
            writeReadyAnswers(flush: true)
            sessionEnd = .now() + .milliseconds(lifetimeMs)
        }
    }

    /// MSK, as Kafka's socket server does (KIP-368), closes a connection whose session has ended
    /// when the next request arrives on it — any request but the SaslHandshake that begins a
    /// re-authentication — and drops the answers still owed on it. Clients without KIP-368
    /// then reconnect and authenticate anew. A connection that sends nothing stays open: a
    /// consumer waiting for its JoinGroup to be answered keeps its place in the rebalance
    /// (closing it on a timer, as msk-local once did, restarted the mock's rebalances).
    private func closeIfSessionEnded(_ header: KafkaRequestHeader, context: ChannelHandlerContext) -> Bool {
        guard let sessionEnd, header.apiKey != KafkaAPI.saslHandshake, NIODeadline.now() >= sessionEnd else { return false }
        shared.counters.update { $0.sessionsExpired += 1 }
        shared.logger.debug("closing a connection whose session has ended", metadata: ["api_key": "\(header.apiKey)"])
        context.close(promise: nil)
        return true
    }

    private func writeAuthenticateBody(_ buffer: inout ByteBuffer, version: Int16, error: Int16, message: String?, lifetimeMs: Int64) {
        buffer.writeInteger(error)
        buffer.writeKafkaString(message)
        buffer.writeKafkaBytes([])
        if version >= 1 { buffer.writeInteger(lifetimeMs) }
    }

    private func closeAfterWriting(_ response: ByteBuffer, context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// The upstream side of a gateway connection: hands every response frame to the client side.
private final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let client: NIOLoopBound<GatewayConnectionHandler>

    init(client: NIOLoopBound<GatewayConnectionHandler>) {
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.value.upstreamResponse(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client.value.upstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        client.value.upstreamWritabilityChanged(context.channel.isWritable)
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.value.upstreamClosed(reason: "upstream closed")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
