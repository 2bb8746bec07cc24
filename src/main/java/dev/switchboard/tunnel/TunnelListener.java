package dev.switchboard.tunnel;

/**
 * Told when tunnels open and end; called on the tunnel's event loop, so it must not
 * block.
 */
public interface TunnelListener {

	void onOpen(Tunnel tunnel);

	void onClose(Tunnel tunnel, TunnelSummary summary);

}
