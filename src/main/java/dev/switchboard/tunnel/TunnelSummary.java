package dev.switchboard.tunnel;

/**
 * How a tunnel ended, handed to listeners once both connections are closed.
 *
 * @param origin where the tunnel came from (route, backend instance, client, handshake)
 * @param initiator who started the close
 * @param closeCode the first close code seen (1006 when a connection dropped without one)
 * @param closeReason the reason text of that close frame
 * @param gatewayReason why the gateway closed it, or null when a peer did
 * @param durationNanos how long the tunnel was open
 * @param messagesToBackend data messages relayed from the client
 * @param bytesToBackend bytes relayed from the client (frame headers included)
 * @param messagesToClient data messages relayed from the backend
 * @param bytesToClient bytes relayed from the backend (frame headers included)
 */
public record TunnelSummary(TunnelOrigin origin, CloseInitiator initiator, int closeCode, String closeReason,
		GatewayCloseReason gatewayReason, long durationNanos, long messagesToBackend, long bytesToBackend,
		long messagesToClient, long bytesToClient) {

	public String routeId() {
		return this.origin.routeId();
	}

}
