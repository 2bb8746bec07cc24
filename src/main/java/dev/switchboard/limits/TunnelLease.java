package dev.switchboard.limits;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The slots one tunnel holds, given back exactly once: when its client connection closes
 * (the tunnel ended, or the client left mid-handshake) or when the handshake ends without
 * a tunnel, whichever comes first.
 */
final class TunnelLease {

	private final SharedTunnelCounts counts;

	private final List<String> keys = new ArrayList<>(3);

	private final AtomicBoolean released = new AtomicBoolean();

	TunnelLease(SharedTunnelCounts counts) {
		this.counts = counts;
	}

	void add(String key) {
		this.keys.add(key);
	}

	void release() {
		if (this.released.compareAndSet(false, true)) {
			for (String key : this.keys) {
				this.counts.release(key);
			}
		}
	}

}
