package dev.switchboard.tunnel;

import io.micrometer.tracing.TraceContext;

/**
 * Where a tunnel came from, fixed at the handshake: kept for logs and metrics when it
 * ends.
 *
 * @param routeId the route
 * @param backendInstance the backend instance ({@code host:port}, see
 * {@code InstanceKey}), after load balancing
 * @param client the client's address as the gateway saw it
 * @param handshakeNanos how long the handshake took, request to 101
 * @param stickyDecision the sticky-routing decision for this handshake, or null when the
 * route is not sticky
 * @param toBackend records traffic from the client
 * @param toClient records traffic from the backend
 * @param trace the handshake span's trace context, or null when it was not traced
 */
public record TunnelOrigin(String routeId, String backendInstance, String client, long handshakeNanos,
		String stickyDecision, TrafficRecorder toBackend, TrafficRecorder toClient, TraceContext trace) {
}
