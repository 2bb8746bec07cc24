package dev.switchboard.limits;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.switchboard.PeriodicTask;
import dev.switchboard.redis.LuaScript;
import dev.switchboard.redis.RedisCommands;

/**
 * Tunnel counts shared by every replica through Redis. One Redis hash per limited thing
 * (a client address on a route, a subject, a route) holds, per replica, its count and
 * when it last confirmed it. A replica's own counts live here in memory too: they are the
 * truth it rewrites to Redis on every heartbeat, which repairs anything an outage or a
 * lost release left behind, and they are what the limits use, per replica, while Redis is
 * unavailable. A replica that dies stops confirming; the next handshake that counts the
 * same thing drops its stale count, and the hash expires once nobody confirms it.
 */
public class SharedTunnelCounts implements Disposable {

	private static final Log logger = LogFactory.getLog(SharedTunnelCounts.class);

	/**
	 * Counts the live replicas' tunnels (dropping those of replicas not heard from within
	 * the replica timeout) and takes a slot if one is free. Returns the new total, or -1
	 * when the limit is reached. ARGV: replica, limit, replica timeout ms, key TTL ms.
	 */
	private static final LuaScript ACQUIRE = LuaScript.of("""
			local clock = redis.call('TIME')
			local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
			local fields = redis.call('HGETALL', KEYS[1])
			local seen, counts = {}, {}
			for i = 1, #fields, 2 do
			  local name = fields[i]
			  if string.sub(name, -1) == '@' then
			    seen[string.sub(name, 1, -2)] = tonumber(fields[i + 1])
			  else
			    counts[name] = tonumber(fields[i + 1])
			  end
			end
			local total = 0
			for replica, count in pairs(counts) do
			  local at = seen[replica]
			  if replica ~= ARGV[1] and (at == nil or now - at > tonumber(ARGV[3])) then
			    redis.call('HDEL', KEYS[1], replica, replica .. '@')
			  else
			    total = total + count
			  end
			end
			if total >= tonumber(ARGV[2]) then
			  return -1
			end
			redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
			redis.call('HSET', KEYS[1], ARGV[1] .. '@', now)
			redis.call('PEXPIRE', KEYS[1], ARGV[4])
			return total + 1
			""");

	/** Gives one slot back. ARGV: replica. */
	private static final LuaScript RELEASE = LuaScript.of("""
			local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
			if left <= 0 then
			  redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '@')
			end
			return left
			""");

	/** Writes this replica's count and confirms it. ARGV: replica, count, key TTL ms. */
	private static final LuaScript CONFIRM = LuaScript.of("""
			if tonumber(ARGV[2]) <= 0 then
			  redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '@')
			  return 0
			end
			local clock = redis.call('TIME')
			local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
			redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. '@', now)
			redis.call('PEXPIRE', KEYS[1], ARGV[3])
			return 1
			""");

	private final RedisCommands redis;

	private final String replica = UUID.randomUUID().toString();

	private final String replicaTimeoutMillis;

	private final String keyTtlMillis;

	/** This replica's tunnels per key: what it writes to Redis. */
	private final Map<String, AtomicInteger> own = new ConcurrentHashMap<>();

	/** While true, limits are per replica and Redis is only asked by the heartbeat. */
	private volatile boolean local;

	private final Disposable heartbeat;

	public SharedTunnelCounts(RedisCommands redis, LimitsProperties properties, MeterRegistry registry) {
		this.redis = redis;
		this.replicaTimeoutMillis = Long.toString(properties.getReplicaTimeout().toMillis());
		// A hash outlives its last confirmation by the replica timeout: gone once every
		// replica counting in it is.
		this.keyTtlMillis = Long.toString(properties.getReplicaTimeout().multipliedBy(2).toMillis());
		this.heartbeat = PeriodicTask.start("limits-heartbeat", properties.getHeartbeatInterval(),
				properties.getHeartbeatInterval(), this::confirmAll, registry);
	}

	/**
	 * Takes a slot for {@code key} if fewer than {@code limit} tunnels hold one, over all
	 * replicas.
	 * @return whether the slot was taken
	 */
	public Mono<Boolean> tryAcquire(String key, int limit) {
		if (this.local) {
			return Mono.just(acquireLocally(key, limit));
		}
		return Mono
			.fromCompletionStage(() -> this.redis.script(ACQUIRE, key, this.replica, Integer.toString(limit),
					this.replicaTimeoutMillis, this.keyTtlMillis))
			.map((total) -> {
				if (total < 0) {
					return false;
				}
				ownCount(key).incrementAndGet();
				return true;
			})
			.onErrorResume((ex) -> {
				goLocal(ex);
				return Mono.just(acquireLocally(key, limit));
			});
	}

	/** Gives back a slot {@link #tryAcquire} took. */
	public void release(String key) {
		AtomicInteger count = this.own.get(key);
		if (count == null) {
			return;
		}
		if (count.decrementAndGet() <= 0) {
			this.own.remove(key, count);
		}
		if (!this.local) {
			// A release Redis misses is repaired by the next heartbeat.
			this.redis.script(RELEASE, key, this.replica);
		}
	}

	/** Whether the counts are shared through Redis right now (else per replica). */
	public boolean shared() {
		return !this.local;
	}

	/**
	 * Rewrites every count this replica holds to Redis and confirms it; back to shared
	 * counting when Redis answers again.
	 */
	Mono<Void> confirmAll() {
		if (this.own.isEmpty() && !this.local) {
			// Nothing to confirm: a gateway without limits never talks to Redis here.
			return Mono.empty();
		}
		return Flux.fromIterable(this.own.entrySet())
			.concatMap((entry) -> Mono.fromCompletionStage(() -> this.redis.script(CONFIRM, entry.getKey(),
					this.replica, Integer.toString(entry.getValue().get()), this.keyTtlMillis)))
			.then(Mono.fromCompletionStage(this.redis::ping))
			.doOnError(this::goLocal)
			.doOnSuccess((pong) -> {
				if (this.local) {
					this.local = false;
					logger.info("Redis answers again: tunnel limits are shared by every replica again");
				}
			})
			.then();
	}

	private boolean acquireLocally(String key, int limit) {
		AtomicInteger count = ownCount(key);
		while (true) {
			int current = count.get();
			if (current >= limit) {
				return false;
			}
			if (count.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	private AtomicInteger ownCount(String key) {
		return this.own.computeIfAbsent(key, (k) -> new AtomicInteger());
	}

	private void goLocal(Throwable ex) {
		if (!this.local) {
			this.local = true;
			logger.warn("Tunnel limits are counted per replica until Redis answers again (" + ex
					+ "): each replica allows the full limit on its own");
		}
	}

	@Override
	public void dispose() {
		this.heartbeat.dispose();
	}

}
