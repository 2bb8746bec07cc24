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
 * The price is slots reserved and not in use: another replica may refuse up to a quarter
 * of the limit early, until the next heartbeat. Closing tunnels give their slots back
 * once more than a quarter of the limit is free, and every heartbeat trims the spare to a
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

	/** A heartbeat's answer for a key it left for the next one. */
	private static final long SKIPPED = -1;

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
			local left = redis.call('HINCRBY', KEYS[1], ARGV[1], 0 - tonumber(ARGV[2]))
			if left <= 0 then
			  redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '@')
			end
			return left
			""");

	/**
	 * Confirms this replica's reservation (its time, the key's TTL) and gives back the
	 * slots it trimmed, relative like every other message, so the order messages arrive
	 * in does not matter. Only where Redis has no count for this replica (it restarted,
	 * or dropped the count as stale) or the replica is unsure of it (a message failed) is
	 * the count written as it is. ARGV: replica, count, key TTL ms, trimmed, absolute (1
	 * or 0).
	 */
	private static final LuaScript CONFIRM = LuaScript.of("""
			local count = tonumber(ARGV[2])
			local left
			if ARGV[5] == '1' or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
			  left = count
			  if left > 0 then
			    redis.call('HSET', KEYS[1], ARGV[1], left)
			  end
			else
			  left = redis.call('HINCRBY', KEYS[1], ARGV[1], 0 - tonumber(ARGV[4]))
			end
			if left <= 0 then
			  redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '@')
			  return 0
			end
			local clock = redis.call('TIME')
			local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
			redis.call('HSET', KEYS[1], ARGV[1] .. '@', now)
			redis.call('PEXPIRE', KEYS[1], ARGV[3])
			return left
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
	 * replicas: from this replica's reserved slots when one is free, else by reserving. A
	 * slot taken is added to {@code lease} at once, so it is given back with the lease
	 * even when the handshake is cancelled while Redis answers.
	 * @return whether the slot was taken
	 */
	public Mono<Boolean> tryAcquire(String key, int limit, TunnelLease lease) {
		Slots slots;
		boolean taken;
		while (true) {
			slots = this.own.computeIfAbsent(key, (k) -> new Slots(limit));
			synchronized (slots) {
				if (slots.retired) {
					continue;
				}
				slots.limit = limit;
				if (this.local || slots.held < slots.reserved) {
					taken = this.local ? slots.takeLocally() : slots.takeReserved();
					break;
				}
				slots.sending();
			}
			return reserve(key, slots, lease);
		}
		if (taken) {
			lease.add(key);
		}
		return taken ? TAKEN : REFUSED;
	}

	private Mono<Boolean> reserve(String key, Slots slots, TunnelLease lease) {
		// The answer is settled on the future itself, never skipped by a cancelled
		// subscriber: a reservation Redis granted is always counted here.
		CompletableFuture<Boolean> taken = this.redis
			.script(RESERVE, key, this.replica, Integer.toString(slots.limit), this.replicaTimeoutMillis,
					this.keyTtlMillis, Integer.toString(slots.chunk()))
			.handle((granted, ex) -> {
				boolean took;
				synchronized (slots) {
					slots.pending--;
					if (ex != null) {
						// Redis may have counted the reservation or not.
						slots.unsure = true;
						goLocal(ex);
						took = slots.takeLocally();
					}
					else {
						slots.reserved += granted.intValue();
						// A tunnel may have closed meanwhile: its slot is as good.
						took = slots.takeReserved();
					}
				}
				if (took) {
					lease.add(key);
				}
				return took;
			})
			.toCompletableFuture();
		return Mono.fromFuture(taken, true);
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
					giveBack(key, slots, surplus);
				}
				else {
					// Redis may still count these slots (reserved before the outage): the
					// heartbeat that finds Redis again writes this key's count as it is.
					slots.unsure = true;
				}
			}
			retireIfUnused(key, slots);
		}
	}

	/**
	 * Sends a give-back (under the key's lock); one that fails, the next heartbeat
	 * repairs.
	 */
	private void giveBack(String key, Slots slots, int surplus) {
		slots.sending();
		this.redis.script(GIVE_BACK, key, this.replica, Integer.toString(surplus)).whenComplete((left, ex) -> {
			synchronized (slots) {
				answered(key, slots, ex);
			}
		});
	}

	/** Whether the counts are shared through Redis right now (else per replica). */
	public boolean shared() {
		return !this.local;
	}

	/**
	 * Rewrites every reservation this replica holds to Redis, trimmed to the slots in use
	 * and (for keys still taking handshakes) a chunk, and confirms it; back to shared
	 * counting when Redis answers again.
	 */
	Mono<Void> confirmAll() {
		if (this.own.isEmpty() && !this.local) {
			// Nothing to confirm: a gateway without limits never talks to Redis here.
			return Mono.empty();
		}
		// Back from an outage, the counts in Redis are whatever survived it.
		boolean rewrite = this.local;
		return Flux.fromIterable(this.own.entrySet())
			.concatMap((entry) -> Mono.fromCompletionStage(() -> confirm(entry.getKey(), entry.getValue(), rewrite)))
			.all((left) -> left != SKIPPED)
			.flatMap((everyCount) -> Mono.fromCompletionStage(this.redis::ping).doOnSuccess((pong) -> {
				// Shared again only once Redis holds every count: until then a
				// reservation could be granted against a count Redis lacks.
				if (this.local && everyCount) {
					this.local = false;
					logger.info("Redis answers again: tunnel limits are shared by every replica again");
				}
			}))
			.doOnError(this::goLocal)
			.then();
	}

	private CompletionStage<Long> confirm(String key, Slots slots, boolean rewrite) {
		synchronized (slots) {
			if (slots.pending > 0) {
				// Not while a message about this key is on its way: an absolute count
				// could overtake it. The next heartbeat confirms this key (as it is, if
				// this one was back from an outage).
				slots.unsure |= rewrite;
				return CompletableFuture.completedFuture(SKIPPED);
			}
			// A spare is only worth keeping for a key that is still taking handshakes.
			int spare = slots.takenSinceConfirm ? slots.spareKept() : 0;
			slots.takenSinceConfirm = false;
			int trimmed = Math.max(0, slots.reserved - (slots.held + spare));
			slots.reserved -= trimmed;
			boolean absolute = rewrite || slots.unsure;
			slots.unsure = false;
			slots.pending++;
			slots.absoluteInFlight = absolute;
			return this.redis
				.script(CONFIRM, key, this.replica, Integer.toString(slots.reserved), this.keyTtlMillis,
						Integer.toString(trimmed), absolute ? "1" : "0")
				.whenComplete((left, ex) -> {
					synchronized (slots) {
						slots.absoluteInFlight = false;
						answered(key, slots, ex);
					}
				});
		}
	}

	/**
	 * A give-back or confirmation was answered, or failed (then Redis may have applied it
	 * or not). Called under the key's lock.
	 */
	private void answered(String key, Slots slots, Throwable ex) {
		slots.pending--;
		if (ex != null) {
			slots.unsure = true;
		}
		retireIfUnused(key, slots);
	}

	/**
	 * Forgets a key nobody holds or reserves, once Redis is known to count it as such
	 * (called under its lock).
	 */
	private void retireIfUnused(String key, Slots slots) {
		if (slots.held <= 0 && slots.reserved <= 0 && slots.pending == 0 && !slots.unsure) {
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

		/** Messages about this key sent to Redis and not answered yet. */
		int pending;

		/** Whether a message failed, so Redis's count may not be this one. */
		boolean unsure;

		/** Whether a count written as it is is on its way to Redis. */
		boolean absoluteInFlight;

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

		/**
		 * Free reserved slots a replica keeps for its next handshakes: a chunk (none with
		 * chunks of one, so small limits stay exact).
		 */
		int spareKept() {
			int chunk = chunk();
			return (chunk > 1) ? chunk : 0;
		}

		/**
		 * Free reserved slots to give back after a close: down to the spare kept once
		 * more than a quarter of the limit (at least two chunks) is free; the rest waits
		 * for the heartbeat. The gap is what lets a busy key's count rise and fall
		 * without a message to Redis: at 32 tunnels opening and closing at once, a gap of
		 * one chunk still cost 0.28 scripts per handshake (bench/policy.sh probe). With
		 * chunks of one (limits under 40), every free slot goes back at once.
		 */
		int surplus() {
			int spare = this.reserved - this.held;
			int chunk = chunk();
			int most = (chunk > 1) ? Math.max(2 * chunk, this.limit / 4) : 0;
			return (spare > most) ? spare - spareKept() : 0;
		}

		/**
		 * Counts a relative message about to be sent. One sent while a written count is
		 * on its way may reach Redis first and be overwritten: the next heartbeat then
		 * writes the count again.
		 */
		void sending() {
			this.pending++;
			if (this.absoluteInFlight) {
				this.unsure = true;
			}
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
