package dev.switchboard.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.GetExArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The hot path's Redis commands ({@code GETEX}, {@code SET EX}, and the {@code PING} that
 * notices Redis is back) through Lettuce's asynchronous API, on a connection of their own
 * opened by the client Spring Boot built from {@code spring.data.redis.*}: standalone,
 * Sentinel and Cluster alike, with its options (command timeout, refusing commands while
 * disconnected).
 *
 * Why not the reactive template: per command it looks the connection up under a lock,
 * serializes through byte buffers and builds reactive publishers, several times the work
 * of the command itself. The connection opens in the background, never on an event loop;
 * until it is open every command fails at once, which the store treats like any Redis
 * failure (rendezvous hashing); once open, Lettuce reconnects it by itself.
 */
public final class RedisCommands implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisCommands.class);

	private final LettuceConnectionFactory factory;

	private final AtomicBoolean opening = new AtomicBoolean();

	private volatile StatefulConnection<String, String> connection;

	private volatile RedisClusterAsyncCommands<String, String> commands;

	private volatile boolean closed;

	RedisCommands(LettuceConnectionFactory factory) {
		this.factory = factory;
	}

	public CompletionStage<String> getex(String key, Duration ttl) {
		RedisClusterAsyncCommands<String, String> redis = commands();
		return (redis != null) ? redis.getex(key, GetExArgs.Builder.ex(ttl)) : notOpen();
	}

	public CompletionStage<String> set(String key, String value, Duration ttl) {
		RedisClusterAsyncCommands<String, String> redis = commands();
		return (redis != null) ? redis.set(key, value, SetArgs.Builder.ex(ttl)) : notOpen();
	}

	/**
	 * Runs a Lua script on one key by its digest, sending its text once when Redis does
	 * not know it yet (after a restart or failover).
	 * @return the script's integer answer
	 */
	public CompletionStage<Long> script(LuaScript script, String key, String... args) {
		return run(script, ScriptOutputType.INTEGER, new String[] { key }, args);
	}

	/**
	 * Runs a Lua script on keys of one hash slot, like
	 * {@link #script(LuaScript, String, String...)}.
	 * @return the script's answer, a list (integers as {@code Long})
	 */
	public CompletionStage<List<Object>> scriptList(LuaScript script, String[] keys, String... args) {
		return run(script, ScriptOutputType.MULTI, keys, args);
	}

	private <T> CompletionStage<T> run(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
		RedisClusterAsyncCommands<String, String> redis = commands();
		if (redis == null) {
			return notOpen();
		}
		return redis.<T>evalsha(script.sha1(), type, keys, args)
			.exceptionallyCompose(
					(ex) -> (ex instanceof RedisNoScriptException || ex.getCause() instanceof RedisNoScriptException)
							? redis.<T>eval(script.text(), type, keys, args) : CompletableFuture.failedFuture(ex));
	}

	public CompletionStage<String> ping() {
		RedisClusterAsyncCommands<String, String> redis = commands();
		return (redis != null) ? redis.ping() : notOpen();
	}

	/** Whether the connection is open (Lettuce reconnects it by itself once it was). */
	public boolean isOpen() {
		return this.commands != null;
	}

	private RedisClusterAsyncCommands<String, String> commands() {
		RedisClusterAsyncCommands<String, String> redis = this.commands;
		if (redis == null) {
			openInBackground();
		}
		return redis;
	}

	/**
	 * Opens the connection soon, off the caller's thread; gateways without sticky routes
	 * never call this.
	 * @return completes once the connection is open (at once when it already is), or with
	 * the reason it could not be opened
	 */
	public CompletableFuture<Void> openInBackground() {
		if (this.commands != null) {
			return CompletableFuture.completedFuture(null);
		}
		CompletableFuture<Void> result = new CompletableFuture<>();
		if (!this.closed && this.opening.compareAndSet(false, true)) {
			Schedulers.boundedElastic().schedule(() -> {
				try {
					open();
					result.complete(null);
				}
				catch (RuntimeException ex) {
					logger.debug("Cannot connect to Redis yet: " + ex.getMessage());
					result.completeExceptionally(ex);
				}
				finally {
					this.opening.set(false);
				}
			});
		}
		else {
			result.completeExceptionally(new IllegalStateException("Redis connection being opened or closed"));
		}
		return result;
	}

	/**
	 * Opens the connection and answers one PING before the gateway reports ready, so the
	 * first requests do not pay for connecting (on a busy, freshly started machine that
	 * took longer than the command timeout, and their sessions were routed without
	 * Redis). Waits at most {@code bound}; a Redis that is down or slow never holds
	 * startup up: the connection keeps opening in the background and sticky routing
	 * starts without Redis.
	 * @return whether Redis answered within the bound
	 */
	public boolean openAndWarm(Duration bound) {
		long deadline = System.nanoTime() + bound.toNanos();
		try {
			openInBackground().get(bound.toNanos(), TimeUnit.NANOSECONDS);
			long left = Math.max(1, deadline - System.nanoTime());
			pingEveryNode().get(left, TimeUnit.NANOSECONDS);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("Redis did not answer within " + bound.toMillis() + "ms at startup (" + ex
					+ "); starting without it, sticky routing uses it as soon as it answers");
			return false;
		}
	}

	/**
	 * A Cluster connection connects to each shard on the first command for it: pinging
	 * every master opens them all now, so the first session of each shard does not pay
	 * for connecting (RedisTopologiesTest saw a busy machine take longer than the command
	 * timeout there, and the store went degraded).
	 */
	private CompletableFuture<?> pingEveryNode() {
		if (this.connection instanceof StatefulRedisClusterConnection<String, String> cluster) {
			return CompletableFuture.allOf(cluster.getPartitions()
				.stream()
				.filter((node) -> node.is(RedisClusterNode.NodeFlag.UPSTREAM))
				.map((node) -> cluster.getConnectionAsync(node.getNodeId())
					.thenCompose((shard) -> shard.async().ping())
					.toCompletableFuture())
				.toArray(CompletableFuture[]::new));
		}
		return ping().toCompletableFuture();
	}

	@SuppressWarnings("unchecked")
	private void open() {
		if (this.closed || this.commands != null) {
			return;
		}
		// Connecting blocks up to the connect timeout (a Redis behind a black hole): not
		// under the lock
		// stop() takes, or shutting down would wait for it.
		AbstractRedisClient client = this.factory.getNativeClient();
		StatefulConnection<String, String> opened = (client instanceof RedisClusterClient cluster)
				? cluster.connect(StringCodec.UTF8) : ((RedisClient) client).connect(StringCodec.UTF8);
		synchronized (this) {
			if (this.closed) {
				opened.closeAsync();
				return;
			}
			this.connection = opened;
			this.commands = (opened instanceof StatefulRedisClusterConnection<?, ?> clustered)
					? ((StatefulRedisClusterConnection<String, String>) clustered).async()
					: ((StatefulRedisConnection<String, String>) opened).async();
		}
	}

	private static <T> CompletionStage<T> notOpen() {
		return CompletableFuture.failedFuture(new IllegalStateException("no connection to Redis yet"));
	}

	@Override
	public void start() {
	}

	@Override
	public boolean isRunning() {
		return !this.closed;
	}

	/**
	 * Closes the connection before the connection factory (same phase; this bean depends
	 * on it, so it stops first) shuts its client down: closed by the client instead, a
	 * Cluster connection's node connections are closed twice, with a warning each.
	 */
	@Override
	public void stop() {
		StatefulConnection<String, String> open;
		synchronized (this) {
			this.closed = true;
			open = this.connection;
		}
		if (open != null && open.isOpen()) {
			open.close();
		}
	}

	@Override
	public int getPhase() {
		return this.factory.getPhase();
	}

}
