package dev.switchboard.tunnel;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * The open tunnels of this gateway. On shutdown it closes them with 1001 ("going away")
 * before the web server stops, so clients see a clean close they can reconnect on instead
 * of a dropped socket. Other parts (metrics, access log) subscribe as
 * {@link TunnelListener}s.
 */
public class TunnelRegistry implements TunnelListener, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(TunnelRegistry.class);

	private final Set<Tunnel> open = ConcurrentHashMap.newKeySet();

	private final List<TunnelListener> listeners = new CopyOnWriteArrayList<>();

	private final Duration shutdownGrace;

	private volatile boolean running;

	public TunnelRegistry(Duration shutdownGrace) {
		this.shutdownGrace = shutdownGrace;
	}

	public void addListener(TunnelListener listener) {
		this.listeners.add(listener);
	}

	public int openCount() {
		return this.open.size();
	}

	@Override
	public void onOpen(Tunnel tunnel) {
		this.open.add(tunnel);
		for (TunnelListener listener : this.listeners) {
			listener.onOpen(tunnel);
		}
	}

	@Override
	public void onClose(Tunnel tunnel, TunnelSummary summary) {
		this.open.remove(tunnel);
		for (TunnelListener listener : this.listeners) {
			listener.onClose(tunnel, summary);
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		int count = this.open.size();
		if (count == 0) {
			return;
		}
		logger.info("Closing " + count + " open WebSocket tunnel(s) with 1001 before shutdown");
		for (Tunnel tunnel : this.open) {
			tunnel.close(GatewayCloseReason.SHUTDOWN);
		}
		long deadline = System.nanoTime() + this.shutdownGrace.toNanos();
		while (!this.open.isEmpty() && System.nanoTime() < deadline) {
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		if (!this.open.isEmpty()) {
			logger.warn(
					this.open.size() + " tunnel(s) did not finish their close handshake within " + this.shutdownGrace);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Stops before the web server's graceful shutdown, so tunnels are closed while the
	 * loops still run.
	 */
	@Override
	public int getPhase() {
		return Integer.MAX_VALUE - 10;
	}

}
