package dev.switchboard.sticky;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.lettuce.core.RedisCommandTimeoutException;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;

import dev.switchboard.PeriodicTask;
import dev.switchboard.redis.RedisCommands;
import dev.switchboard.redis.SwitchboardRedisProperties;

/**
 * Assignments in Redis: one string key per route and affinity key, holding the instance
 * ({@code host:port}), with a sliding expiry. A lookup is one {@code GETEX} (read and
 * extend the expiry in one round trip); a new assignment is one {@code SET ... EX} (both
 * through {@link RedisCommands}).
 *
 * Redis failing must never fail a request, so this store fails open on purpose: a command
 * that errors or takes longer than {@code switchboard.redis.timeout} switches the store
 * to "degraded" (logged once, gauge {@code switchboard.sticky.redis.degraded} = 1). While
 * degraded no command is sent on the request path at all and callers route by rendezvous
 * hashing; a PING every {@code probe-interval} notices when Redis is back (logged once).
 * Alert on the gauge being 1 for more than a few minutes: sessions stay consistent across
 * replicas, but new instances get no new sessions by load, and sessions move when the
 * instance set changes.
 */
class RedisSessionStore implements SessionStore, DisposableBean {

	private static final Log logger = LogFactory.getLog(RedisSessionStore.class);

	private final RedisCommands commands;

	/**
	 * Only for the operators' session counts (SCAN); the hot path uses
	 * {@link RedisCommands}.
	 */
	private final ReactiveStringRedisTemplate redis;

	private final Duration timeout;

	private final StickyMetrics metrics;

	private final PeriodicTask probe;

	private volatile boolean degraded;

	RedisSessionStore(RedisCommands commands, ReactiveStringRedisTemplate redis, SwitchboardRedisProperties properties,
			StickyMetrics metrics, MeterRegistry registry) {
		this.commands = commands;
		this.redis = redis;
		this.timeout = properties.getTimeout();
		this.metrics = metrics;
		metrics.degradedGauge(this::degraded);
		// Probing does nothing while Redis answers; the task's gauge shows the loop is
		// alive either way.
		this.probe = PeriodicTask.start("redis-probe", properties.getProbeInterval(), properties.getProbeInterval(),
				() -> this.degraded ? probe() : Mono.empty(), registry);
	}

	@Override
	public boolean degraded() {
		return this.degraded;
	}

	@Override
	public Mono<Lookup> find(String key, Duration ttl) {
		if (this.degraded) {
			return Mono.just(Lookup.UNAVAILABLE);
		}
		return timed("get", Mono.fromCompletionStage(() -> this.commands.getex(key, ttl))).map(Lookup::found)
			.defaultIfEmpty(Lookup.ABSENT)
			.onErrorResume((ex) -> {
				failed("get", ex);
				return Mono.just(Lookup.UNAVAILABLE);
			});
	}

	@Override
	public Mono<Void> assign(Collection<String> keys, String instance, Duration ttl) {
		if (this.degraded || keys.isEmpty()) {
			return Mono.empty();
		}
		return Flux.fromIterable(keys)
			.flatMap((key) -> timed("set", Mono.fromCompletionStage(() -> this.commands.set(key, instance, ttl))))
			.then()
			.onErrorResume((ex) -> {
				failed("set", ex);
				return Mono.empty();
			});
	}

	@Override
	public Mono<Map<String, Long>> countByInstance(String prefix) {
		if (this.degraded) {
			return Mono.empty();
		}
		return this.redis.scan(ScanOptions.scanOptions().match(prefix + "*").count(1000).build())
			.buffer(500)
			.concatMap((keys) -> this.redis.opsForValue().multiGet(keys).flatMapIterable(Function.identity()))
			.filter(Objects::nonNull)
			.collect(Collectors.groupingBy(Function.identity(), Collectors.counting()))
			.timeout(Duration.ofSeconds(10))
			.onErrorResume((ex) -> {
				// An operator's listing, not routing: it never switches routing away from
				// Redis (some topologies, e.g. Cluster through some clients, refuse SCAN
				// across nodes).
				this.metrics.redisError("scan");
				logger.debug("Cannot count sessions in Redis: " + ex.getMessage());
				return Mono.empty();
			});
	}

	private <T> Mono<T> timed(String operation, Mono<T> command) {
		return Mono.defer(() -> {
			long start = System.nanoTime();
			// No timeout() here: Lettuce expires the command after the same timeout
			// (StickyConfiguration).
			return command.doOnTerminate(() -> this.metrics.redisLatency(operation, System.nanoTime() - start));
		});
	}

	private void failed(String operation, Throwable ex) {
		this.metrics.redisError(operation);
		if (!this.degraded) {
			synchronized (this) {
				if (!this.degraded) {
					this.degraded = true;
					String why = (ex instanceof TimeoutException || ex instanceof RedisCommandTimeoutException)
							? "no answer within " + this.timeout.toMillis() + "ms" : String.valueOf(ex.getMessage());
					logger.warn("Redis unavailable for sticky routing (" + operation + ": " + why
							+ "); routing sessions by rendezvous hashing until it answers again");
				}
			}
		}
	}

	private Mono<Void> probe() {
		// Lettuce times the PING out first; a Reactor timeout at the same value
		// would race it, and Lettuce's late error would be dropped and logged at
		// ERROR.
		return Mono.fromCompletionStage(this.commands::ping).timeout(this.timeout.multipliedBy(2)).doOnNext((pong) -> {
			this.degraded = false;
			logger.warn("Redis answers again; sticky routing uses it from now on");
		}).onErrorResume((ex) -> Mono.empty()).then();
	}

	@Override
	public void destroy() {
		this.probe.dispose();
	}

}
