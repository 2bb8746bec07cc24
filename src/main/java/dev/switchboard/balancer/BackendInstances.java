package dev.switchboard.balancer;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.switchboard.tunnel.Tunnel;
import dev.switchboard.tunnel.TunnelListener;
import dev.switchboard.tunnel.TunnelSummary;

/**
 * What this gateway knows about backend instances, by {@code host:port}
 * ({@code InstanceKey}): its open tunnels to each, which ones refused connections lately
 * (passive health: left out for {@code ejection-period}), and which ones an operator
 * marked draining. All of it is local to this replica.
 */
public class BackendInstances implements TunnelListener {

	private static final Log logger = LogFactory.getLog(BackendInstances.class);

	private final Map<String, Set<Tunnel>> tunnels = new ConcurrentHashMap<>();

	private final Map<String, Long> ejectedUntil = new ConcurrentHashMap<>();

	private final Set<String> draining = ConcurrentHashMap.newKeySet();

	private final long ejectionNanos;

	BackendInstances(Duration ejectionPeriod) {
		this.ejectionNanos = ejectionPeriod.toNanos();
	}

	@Override
	public void onOpen(Tunnel tunnel) {
		this.tunnels.computeIfAbsent(tunnel.backendInstance(), (k) -> ConcurrentHashMap.newKeySet()).add(tunnel);
	}

	@Override
	public void onClose(Tunnel tunnel, TunnelSummary summary) {
		Set<Tunnel> open = this.tunnels.get(tunnel.backendInstance());
		if (open != null) {
			open.remove(tunnel);
		}
	}

	public int openTunnels(String instance) {
		Set<Tunnel> open = this.tunnels.get(instance);
		return (open != null) ? open.size() : 0;
	}

	Set<Tunnel> tunnelsTo(String instance) {
		Set<Tunnel> open = this.tunnels.get(instance);
		return (open != null) ? Set.copyOf(open) : Set.of();
	}

	/** Leaves the instance out of every choice for the ejection period. */
	void eject(String instance, String why) {
		Long previous = this.ejectedUntil.put(instance, System.nanoTime() + this.ejectionNanos);
		if (previous == null || previous - System.nanoTime() < 0) {
			logger
				.warn("Backend instance " + instance + " ejected for " + this.ejectionNanos / 1_000_000 + "ms: " + why);
		}
	}

	boolean isEjected(String instance) {
		Long until = this.ejectedUntil.get(instance);
		if (until == null) {
			return false;
		}
		if (until - System.nanoTime() > 0) {
			return true;
		}
		this.ejectedUntil.remove(instance, until);
		return false;
	}

	boolean isDraining(String instance) {
		return this.draining.contains(instance);
	}

	void setDraining(String instance, boolean draining) {
		if (draining) {
			this.draining.add(instance);
		}
		else {
			this.draining.remove(instance);
		}
	}

	/** Whether new requests may go to the instance. */
	boolean isUsable(String instance) {
		return !isDraining(instance) && !isEjected(instance);
	}

}
