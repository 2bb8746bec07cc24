package dev.switchboard.balancer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.cloud.client.ServiceInstance;

import dev.switchboard.InstanceKey;

/**
 * Picks one instance of a list.
 *
 * <ul>
 * <li>{@link #leastTunnels}: the instance with the fewest open tunnels through this
 * gateway, ties broken round-robin. This gateway's counts are exact and local, and groups
 * have few instances, so a full scan is cheap and spreads best; power-of-two-choices pays
 * off when counts are stale or shared, which they are not here. With no tunnels at all
 * (plain HTTP) it is plain round-robin.</li>
 * <li>{@link #rendezvous}: highest-random-weight hashing of a key over the instances.
 * Every replica computes the same answer with no shared state, and removing an instance
 * only moves the keys that were on it. Used when Redis is unavailable, for keys without a
 * record, and to reassign.</li>
 * </ul>
 */
public final class InstanceChooser {

	private final BackendInstances instances;

	private final AtomicInteger turn = new AtomicInteger();

	InstanceChooser(BackendInstances instances) {
		this.instances = instances;
	}

	public ServiceInstance leastTunnels(List<ServiceInstance> candidates) {
		if (candidates.size() == 1) {
			return candidates.get(0);
		}
		int least = Integer.MAX_VALUE;
		List<ServiceInstance> tied = new ArrayList<>(candidates.size());
		for (ServiceInstance candidate : candidates) {
			int open = this.instances.openTunnels(InstanceKey.of(candidate));
			if (open < least) {
				least = open;
				tied.clear();
			}
			if (open == least) {
				tied.add(candidate);
			}
		}
		return tied.get(Math.floorMod(this.turn.getAndIncrement(), tied.size()));
	}

	public static ServiceInstance rendezvous(String key, List<ServiceInstance> candidates) {
		ServiceInstance best = null;
		long bestWeight = 0;
		for (ServiceInstance candidate : candidates) {
			long weight = weight(key, InstanceKey.of(candidate));
			if (best == null || Long.compareUnsigned(weight, bestWeight) > 0) {
				best = candidate;
				bestWeight = weight;
			}
		}
		return best;
	}

	/**
	 * FNV-1a over key and instance, then SplitMix64's finalizer: the same on every JVM.
	 */
	static long weight(String key, String instance) {
		long hash = 0xcbf29ce484222325L;
		for (byte b : (key + '\n' + instance).getBytes(StandardCharsets.UTF_8)) {
			hash ^= (b & 0xff);
			hash *= 0x100000001b3L;
		}
		hash = (hash ^ (hash >>> 30)) * 0xbf58476d1ce4e5b9L;
		hash = (hash ^ (hash >>> 27)) * 0x94d049bb133111ebL;
		return hash ^ (hash >>> 31);
	}

}
