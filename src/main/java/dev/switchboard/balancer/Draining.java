package dev.switchboard.balancer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import dev.switchboard.PeriodicTask;
import dev.switchboard.tunnel.GatewayCloseReason;
import dev.switchboard.tunnel.Tunnel;

/**
 * Instances being drained, shared by every replica through one small Redis hash (instance
 * to the time its tunnels close). The replica that receives the request applies it at
 * once; the others pick it up within {@code drain-sync-interval}, off the request path.
 * While Redis is unavailable each replica keeps what it last knew, and a drain requested
 * meanwhile applies to the receiving replica only.
 */
class Draining implements ApplicationContextAware, ApplicationListener<ContextClosedEvent>, DisposableBean {

	private static final Log logger = LogFactory.getLog(Draining.class);

	private final BackendInstances instances;

	private final ReactiveStringRedisTemplate redis;

	private final String key;

	/**
	 * Twice Lettuce's command timeout: a slow Redis fails the command through Lettuce
	 * first. At the same value the two raced, and Lettuce's late error, after Reactor had
	 * cancelled, was dropped and logged at ERROR by Reactor's default hook (seen in the
	 * soak). This one only bounds what Lettuce does not time out (connecting).
	 */
	private final Duration safetyTimeout;

	/** Instance to when its tunnels close, as last applied here. */
	private final Map<String, Applied> applied = new ConcurrentHashMap<>();

	/** Instance to when this replica ended its drain, until Redis has caught up. */
	private final Map<String, Long> forgotten = new ConcurrentHashMap<>();

	/**
	 * Instances whose drain (or its end) this replica is writing to Redis: a sync that
	 * reads Redis before the write is sent must not undo what was applied here (its read
	 * can start after the drain was applied, so the time stamps alone cannot tell).
	 */
	private final Set<String> writing = ConcurrentHashMap.newKeySet();

	private final Map<String, Disposable> pendingCloses = new ConcurrentHashMap<>();

	private final Duration syncInterval;

	private final MeterRegistry registry;

	private PeriodicTask sync;

	private boolean closing;

	private ApplicationContext context;

	Draining(BackendInstances instances, ReactiveStringRedisTemplate redis, String key, Duration timeout,
			Duration syncInterval, MeterRegistry registry) {
		this.instances = instances;
		this.redis = redis;
		this.key = key;
		this.safetyTimeout = timeout.multipliedBy(2);
		this.syncInterval = syncInterval;
		this.registry = registry;
	}

	@Override
	public void setApplicationContext(ApplicationContext context) {
		this.context = context;
	}

	/**
	 * Starts following drains of other replicas; a gateway without {@code lb://} routes
	 * never talks to Redis.
	 */
	synchronized void start() {
		if (this.sync == null && !this.closing) {
			this.sync = PeriodicTask.start("drain-sync", this.syncInterval, this.syncInterval, this::sync,
					this.registry);
		}
	}

	/**
	 * Drains the instance here at once and on every replica within the sync interval;
	 * returns when its tunnels close.
	 */
	Mono<Long> drain(String instance, Duration grace) {
		start();
		long closeAt = System.currentTimeMillis() + grace.toMillis();
		this.forgotten.remove(instance);
		this.writing.add(instance);
		apply(instance, closeAt);
		return this.redis.opsForHash()
			.put(this.key, instance, Long.toString(closeAt))
			.timeout(this.safetyTimeout)
			// A sync that read Redis before this write landed must not undo it.
			.doOnSuccess((written) -> restamp(instance))
			.doFinally((signal) -> this.writing.remove(instance))
			.onErrorResume((ex) -> {
				logger.warn("Drain of " + instance + " applies to this replica only: Redis unavailable ("
						+ ex.getMessage() + ")");
				return Mono.just(false);
			})
			.thenReturn(closeAt);
	}

	Mono<Void> undrain(String instance) {
		this.writing.add(instance);
		forget(instance);
		this.forgotten.put(instance, System.nanoTime());
		return this.redis.opsForHash()
			.remove(this.key, instance)
			.timeout(this.safetyTimeout)
			// A sync that read Redis before this removal landed must not drain it again.
			.doOnSuccess((removed) -> this.forgotten.put(instance, System.nanoTime()))
			.doFinally((signal) -> this.writing.remove(instance))
			.onErrorResume((ex) -> {
				logger.warn("Drain of " + instance + " ended on this replica only: Redis unavailable ("
						+ ex.getMessage() + ")");
				return Mono.just(0L);
			})
			.then();
	}

	private Mono<Void> sync() {
		return Mono.defer(() -> {
			long readStarted = System.nanoTime();
			return this.redis.<String, String>opsForHash()
				.entries(this.key)
				.collectMap(Map.Entry::getKey, (entry) -> Long.parseLong(entry.getValue()))
				.timeout(this.safetyTimeout)
				.doOnNext((shared) -> reconcile(shared, readStarted));
		}).then();
	}

	/**
	 * Brings this replica in line with what Redis held when the read started. What this
	 * replica applied itself after that moment (a drain it just received) is newer than
	 * the read, and stays.
	 */
	private synchronized void reconcile(Map<String, Long> shared, long readStarted) {
		shared.forEach((instance, closeAt) -> {
			if (this.writing.contains(instance)) {
				return;
			}
			Applied local = this.applied.get(instance);
			Long endedHere = this.forgotten.get(instance);
			if (endedHere != null && endedHere - readStarted >= 0) {
				return;
			}
			if (local == null || (local.closeAt() != closeAt && local.appliedNanos() - readStarted < 0)) {
				apply(instance, closeAt);
			}
		});
		this.forgotten.values().removeIf((endedHere) -> endedHere - readStarted < 0);
		for (Map.Entry<String, Applied> local : new HashMap<>(this.applied).entrySet()) {
			if (!shared.containsKey(local.getKey()) && !this.writing.contains(local.getKey())
					&& local.getValue().appliedNanos() - readStarted < 0) {
				forget(local.getKey());
			}
		}
	}

	private synchronized void apply(String instance, long closeAt) {
		this.applied.put(instance, new Applied(closeAt, System.nanoTime()));
		this.instances.setDraining(instance, true);
		long delay = Math.max(0, closeAt - System.currentTimeMillis());
		logger.info("Backend instance " + instance + " draining: new sessions avoid it; its "
				+ this.instances.openTunnels(instance) + " open tunnel(s) here close with 1001 in " + delay + "ms");
		Disposable previous = this.pendingCloses.put(instance,
				Mono.delay(Duration.ofMillis(delay)).subscribe((tick) -> closeTunnels(instance)));
		if (previous != null) {
			previous.dispose();
		}
	}

	private synchronized void restamp(String instance) {
		this.applied.computeIfPresent(instance, (key, local) -> new Applied(local.closeAt(), System.nanoTime()));
	}

	private synchronized void forget(String instance) {
		if (this.applied.remove(instance) != null) {
			logger.info("Backend instance " + instance + " no longer draining");
		}
		this.instances.setDraining(instance, false);
		Disposable pending = this.pendingCloses.remove(instance);
		if (pending != null) {
			pending.dispose();
		}
	}

	private void closeTunnels(String instance) {
		if (!this.instances.isDraining(instance)) {
			return;
		}
		for (Tunnel tunnel : this.instances.tunnelsTo(instance)) {
			tunnel.close(GatewayCloseReason.DRAIN);
		}
	}

	/**
	 * Stops following other replicas when the gateway shuts down: Redis's connection
	 * factory stops long before this bean is destroyed (the web server's graceful
	 * shutdown lies between), and every sync in between failed with a warning.
	 */
	@Override
	public synchronized void onApplicationEvent(ContextClosedEvent event) {
		if (event.getApplicationContext() != this.context) {
			return;
		}
		this.closing = true;
		if (this.sync != null) {
			this.sync.dispose();
		}
	}

	@Override
	public synchronized void destroy() {
		if (this.sync != null) {
			this.sync.dispose();
		}
		this.pendingCloses.values().forEach(Disposable::dispose);
	}

	/** When an instance's tunnels close, and when this replica learnt it. */
	private record Applied(long closeAt, long appliedNanos) {
	}

}
