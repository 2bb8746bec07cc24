package dev.switchboard.limits;

import java.util.ArrayList;
import java.util.List;

/**
 * The slots one tunnel holds, given back exactly once: when its client connection closes
 * (the tunnel ended, or the client left mid-handshake) or when the handshake ends without
 * a tunnel, whichever comes first. A slot whose reservation Redis grants after that is
 * given back as it arrives.
 */
final class TunnelLease {

	private final SharedTunnelCounts counts;

	private final List<String> keys = new ArrayList<>(3);

	private boolean released;

	TunnelLease(SharedTunnelCounts counts) {
		this.counts = counts;
	}

	/**
	 * Holds a slot taken for {@code key}; given back at once if the lease already was.
	 */
	void add(String key) {
		synchronized (this) {
			if (!this.released) {
				this.keys.add(key);
				return;
			}
		}
		this.counts.release(key);
	}

	void release() {
		synchronized (this) {
			if (this.released) {
				return;
			}
			this.released = true;
		}
		for (String key : this.keys) {
			this.counts.release(key);
		}
	}

}
