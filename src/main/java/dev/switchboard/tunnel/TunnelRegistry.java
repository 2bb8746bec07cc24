package dev.switchboard.tunnel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The open tunnels of this gateway. Other parts (metrics, access log, the balancer's
 * counts) subscribe as {@link TunnelListener}s; the shutdown sequence and route removals
 * close tunnels through it.
 */
public class TunnelRegistry implements TunnelListener {

	private final Set<Tunnel> open = ConcurrentHashMap.newKeySet();

	private final List<TunnelListener> listeners = new CopyOnWriteArrayList<>();

	/** Signalled whenever a tunnel ends, for whoever waits for tunnels to be gone. */
	private final Object ended = new Object();

	public void addListener(TunnelListener listener) {
		this.listeners.add(listener);
	}

	public int openCount() {
		return this.open.size();
	}

	/** The open tunnels of one route, at this moment. */
	public List<Tunnel> openOn(String routeId) {
		List<Tunnel> tunnels = new ArrayList<>();
		for (Tunnel tunnel : this.open) {
			if (tunnel.routeId().equals(routeId)) {
				tunnels.add(tunnel);
			}
		}
		return tunnels;
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
		// Listeners first: whoever sees the tunnel gone from openCount() also sees its
		// metrics and the balancer's counts updated.
		for (TunnelListener listener : this.listeners) {
			listener.onClose(tunnel, summary);
		}
		this.open.remove(tunnel);
		synchronized (this.ended) {
			this.ended.notifyAll();
		}
	}

	/**
	 * Closes {@code tunnels} from the gateway's side, evenly spread over {@code spread}:
	 * the first now, the last at the end of the window.
	 */
	public static void closeSpread(List<Tunnel> tunnels, GatewayCloseReason reason, int clientCode, String clientText,
			Duration spread) {
		int count = tunnels.size();
		for (int i = 0; i < count; i++) {
			long delay = (count > 1) ? spread.toNanos() * i / (count - 1) : 0;
			tunnels.get(i).closeAfter(delay, reason, clientCode, clientText);
		}
	}

	/**
	 * Closes every open tunnel, spread over {@code spread}, and waits for their close
	 * handshakes: at most {@code grace} after the last close was sent. A tunnel whose
	 * handshake was already under way when the closes were planned is closed at the end
	 * of the window with the rest.
	 * @return how many tunnels were still open when the wait ended
	 */
	public int closeAll(GatewayCloseReason reason, int clientCode, String clientText, Duration spread, Duration grace) {
		closeSpread(new ArrayList<>(this.open), reason, clientCode, clientText, spread);
		awaitNoneOpen(System.nanoTime() + spread.toNanos());
		// Closing is idempotent: tunnels already closing are not touched again.
		closeSpread(new ArrayList<>(this.open), reason, clientCode, clientText, Duration.ZERO);
		awaitNoneOpen(System.nanoTime() + grace.toNanos());
		return this.open.size();
	}

	private void awaitNoneOpen(long deadline) {
		synchronized (this.ended) {
			while (!this.open.isEmpty()) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(this.ended, left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

}
