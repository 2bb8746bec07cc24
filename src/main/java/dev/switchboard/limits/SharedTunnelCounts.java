package dev.switchboard.limits;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

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
 * (a client address on a route, a subject, a route) holds, per replica, the slots it has
 * reserved and when it last confirmed them; a slot is only ever reserved by a script that
 * sees every live replica's reservations, so the replicas together never exceed a limit.
 *
 * A replica reserves a few slots at a time (a twentieth of the limit) and hands them to
 * handshakes from memory: most handshakes and closes never wait for Redis, which was a
 * round trip per handshake and another per close (+79 us of CPU per handshake, bench/).
 * The price is slots reserved and not in use, at most a twentieth of the limit per
 * replica: another replica may refuse that many early. Closing tunnels give their slots
 * back once more than a chunk is free, and every heartbeat trims the spare to half a
 * chunk (to none for a key that took no handshake since the last one); limits under 40
 * reserve one slot at a time and give each back as its tunnel closes, as strict as
 * counting each.
 *
 * A replica's own reservations are the truth it rewrites to Redis on every heartbeat,
 * which repairs anything an outage or a lost message left behind, and they are what the
 * limits use, per replica, while Redis is unavailable. A replica that dies stops
 * confirming; the next reservation against the same thing drops its stale count, and the
 * hash expires once nobody confirms it.
 */
public class SharedTunnelCounts implements Disposable {

	private static final Log logger = LogFactory.getLog(SharedTunnelCounts.class);

	private static final Mono<Boolean> TAKEN = Mono.just(true);

	private static final Mono<Boolean> REFUSED = Mono.just(false);

	/** Slots reserved at a time: a twentieth of the limit, at least one. */
	private static final int CHUNK_DIVISOR = 20;

	/**
	 * Counts the live replicas' reservations (dropping those of replicas not heard from
	 * within the replica timeout) and reserves up to the wanted number of the free slots.
	 * Returns how many it reserved, 0 when the limit is reached. ARGV: replica, limit,
	 * replica timeout ms, key TTL ms, wanted.
	 */
	private static final LuaScript RESERVE = LuaScript.of("""
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
			local granted = math.min(tonumber(ARGV[5]), tonumber(ARGV[2]) - total)
			if granted <= 0 then
			  return 0
			end
			redis.call('HINCRBY', KEYS[1], ARGV[1], granted)
			redis.call('HSET', KEYS[1], ARGV[1] .. '@', now)
			redis.call('PEXPIRE', KEYS[1], ARGV[4])
			return granted
			""");

	/** Gives slots back. ARGV: replica, how many. */
	private static final LuaScript GIVE_BACK = LuaScript.of("""
			local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[2]))
			if left <= 0 then
			  redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '@')
			end
			return left
			""");

	/**
	 * Writes this replica's reservation and confirms it. ARGV: replica, count, key TTL
	 * ms.
	 */
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

	/** This replica's slots per key: what it writes to Redis. */
	private final Map<String, Slots> own = new ConcurrentHashMap<>();

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
	 * replicas: from this replica's reserved slots when one is free, else by reserving.
	 * @return whether the slot was taken
	 */
	public Mono<Boolean> tryAcquire(String key, int limit) {
		Slots slots;
		while (true) {
			slots = this.own.computeIfAbsent(key, (k) -> new Slots(limit));
			synchronized (slots) {
				if (slots.retired) {
					continue;
				}
				slots.limit = limit;
				if (this.local) {
					return slots.takeLocally() ? TAKEN : REFUSED;
				}
				if (slots.takeReserved()) {
					return TAKEN;
				}
				slots.reserving++;
				break;
			}
		}
		return reserve(key, slots);
	}

	private Mono<Boolean> reserve(String key, Slots slots) {
		return Mono
			.fromCompletionStage(() -> this.redis.script(RESERVE, key, this.replica, Integer.toString(slots.limit),
					this.replicaTimeoutMillis, this.keyTtlMillis, Integer.toString(slots.chunk())))
			.map((granted) -> {
				synchronized (slots) {
					slots.reserving--;
					slots.reserved += granted.intValue();
					// A tunnel may have closed here meanwhile: its slot is as good.
					return slots.takeReserved();
				}
			})
			.onErrorResume((ex) -> {
				goLocal(ex);
				synchronized (slots) {
					slots.reserving--;
					return Mono.just(slots.takeLocally());
				}
			});
	}

	/** Gives back a slot {@link #tryAcquire} took. */
	public void release(String key) {
		Slots slots = this.own.get(key);
		if (slots == null) {
			return;
		}
		synchronized (slots) {
			slots.held--;
			int surplus = slots.surplus();
			if (surplus > 0) {
				slots.reserved -= surplus;
				if (!this.local) {
					// Sent under the lock: Redis sees this replica's messages for a key
					// in
					// the order of its counts. One it misses, the next heartbeat repairs.
					this.redis.script(GIVE_BACK, key, this.replica, Integer.toString(surplus));
				}
			}
			retireIfUnused(key, slots);
		}
	}

	/** Whether the counts are shared through Redis right now (else per replica). */
	public boolean shared() {
		return !this.local;
	}

	/**
	 * Rewrites every reservation this replica holds to Redis, trimmed to the slots in use
	 * and (for keys still taking handshakes) half a chunk, and confirms it; back to
	 * shared counting when Redis answers again.
	 */
	Mono<Void> confirmAll() {
		if (this.own.isEmpty() && !this.local) {
			// Nothing to confirm: a gateway without limits never talks to Redis here.
			return Mono.empty();
		}
		return Flux.fromIterable(this.own.entrySet())
			.concatMap((entry) -> Mono.fromCompletionStage(() -> confirm(entry.getKey(), entry.getValue())))
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

	private CompletionStage<Long> confirm(String key, Slots slots) {
		synchronized (slots) {
			if (slots.reserving > 0) {
				// Redis counted a reservation whose answer is on its way: writing the
				// count now would lose it. The next heartbeat confirms this key.
				return CompletableFuture.completedFuture(0L);
			}
			// A spare is only worth keeping for a key that is still taking handshakes.
			int spare = slots.takenSinceConfirm ? slots.spareKept() : 0;
			slots.takenSinceConfirm = false;
			slots.reserved = Math.min(slots.reserved, slots.held + spare);
			retireIfUnused(key, slots);
			return this.redis.script(CONFIRM, key, this.replica, Integer.toString(slots.reserved), this.keyTtlMillis);
		}
	}

	/** Forgets a key nobody holds or reserves (called under its lock). */
	private void retireIfUnused(String key, Slots slots) {
		if (slots.held <= 0 && slots.reserved <= 0 && slots.reserving == 0) {
			slots.retired = true;
			this.own.remove(key, slots);
		}
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

	/**
	 * One key's slots on this replica: those its tunnels hold, and those it reserved in
	 * Redis (at least as many). Guarded by its own monitor.
	 */
	private static final class Slots {

		int limit;

		int held;

		int reserved;

		/** Reservations sent to Redis and not answered yet. */
		int reserving;

		/** Whether a slot was taken since the last heartbeat. */
		boolean takenSinceConfirm;

		/** Removed from the map: a new instance counts the key from now on. */
		boolean retired;

		Slots(int limit) {
			this.limit = limit;
		}

		int chunk() {
			return Math.max(1, this.limit / CHUNK_DIVISOR);
		}

		/** Free reserved slots a replica keeps for its next handshakes. */
		int spareKept() {
			return chunk() / 2;
		}

		/**
		 * Free reserved slots to give back after a close: down to the spare kept once
		 * there are more than a chunk's worth (a shrinking count gives slots back a few
		 * at a time, not one message per close); with chunks of one, every free slot.
		 */
		int surplus() {
			int spare = this.reserved - this.held;
			return (spare > 2 * spareKept()) ? spare - spareKept() : 0;
		}

		boolean takeReserved() {
			if (this.held < this.reserved) {
				this.held++;
				this.takenSinceConfirm = true;
				return true;
			}
			return false;
		}

		/**
		 * Per-replica counting while Redis is away; the reservation follows the count.
		 */
		boolean takeLocally() {
			if (this.held >= this.limit) {
				return false;
			}
			this.held++;
			this.reserved = Math.max(this.reserved, this.held);
			return true;
		}

	}

}
