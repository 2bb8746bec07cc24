package dev.switchboard.sticky;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisSentinel;
import redis.embedded.RedisServer;
import redis.embedded.RedisShardedCluster;

import dev.switchboard.metrics.SwitchboardMeters;
import dev.switchboard.support.TestBackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis Sentinel and Redis Cluster through Spring Boot's standard
 * {@code spring.data.redis.*} properties, with real redis-server processes (the binary
 * embedded-redis ships): a master watched by a Sentinel, and a Cluster of three shards.
 * Sessions are recorded where the topology keeps them, found again by reconnects, and
 * nothing degrades to rendezvous hashing.
 */
class RedisTopologiesTest {

	static final String COOKIE = "SWITCHBOARD_STICKY";

	static final List<TestBackend> backends = List.of(new TestBackend("h"), new TestBackend("i"));

	@AfterAll
	static void stopBackends() {
		backends.forEach(TestBackend::close);
	}

	@Test
	void sentinelFindsTheMasterAndSessionsStayOnTheirInstance() throws Exception {
		int masterPort = StickyGateway.freePort();
		int sentinelPort = StickyGateway.freePort();
		RedisServer master = StickyGateway.redis(masterPort);
		RedisSentinel sentinel = RedisSentinel.newRedisSentinel()
			.bind("127.0.0.1")
			.port(sentinelPort)
			.masterName("switchboard")
			.masterPort(masterPort)
			.quorumSize(1)
			.build();
		master.start();
		sentinel.start();
		RedisClient direct = RedisClient.create("redis://127.0.0.1:" + masterPort);
		try (StickyGateway gateway = new StickyGateway(args("--spring.data.redis.sentinel.master=switchboard",
				"--spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinelPort));
				StatefulRedisConnection<String, String> redis = direct.connect()) {
			for (int session = 0; session < 3; session++) {
				Map.Entry<String, String> recorded = stickyOverReconnects(gateway);
				assertThat(redis.sync().get(recorded.getKey())).as("recorded on the master")
					.isEqualTo(recorded.getValue());
			}
			assertThat(gateway.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED)).isEqualTo(0);
		}
		finally {
			direct.shutdown();
			sentinel.stop();
			master.stop();
		}
	}

	@Test
	void clusterSpreadsSessionsOverTheShardsAndFindsThemAgain() throws Exception {
		RedisShardedCluster cluster = RedisShardedCluster.newRedisCluster()
			.withServerBuilder(RedisServer.newRedisServer().bind("127.0.0.1").setting("save \"\""))
			.shard("a", 0)
			.shard("b", 0)
			.shard("c", 0)
			.ephemeralServers()
			.build();
		cluster.start();
		// Each node answers CLUSTERDOWN until gossip has told it every shard's slots; a
		// session whose key hashed to such a node was routed without Redis (CI saw it).
		onEveryNode(cluster,
				(port, shard) -> await("cluster_state:ok on the node on port " + port).atMost(Duration.ofSeconds(20))
					.pollInterval(Duration.ofMillis(50))
					.until(() -> shard.clusterInfo().contains("cluster_state:ok")));
		List<String> nodes = new ArrayList<>();
		cluster.serverPorts().forEach((port) -> nodes.add("127.0.0.1:" + port));
		RedisClusterClient direct = RedisClusterClient.create("redis://" + nodes.get(0));
		try (StickyGateway gateway = new StickyGateway(
				args("--spring.data.redis.cluster.nodes=" + String.join(",", nodes),
						"--spring.data.redis.client-name=gateway-under-test"));
				StatefulRedisClusterConnection<String, String> redis = direct.connect()) {
			// Connected to every shard before the first session: a shard's first command
			// otherwise pays for connecting, and on a busy machine that took longer than
			// the command timeout (the store went degraded in CI).
			onEveryNode(cluster,
					(port, shard) -> assertThat(shard.clientList()).as("gateway connected to the shard on port " + port)
						.contains("name=gateway-under-test"));
			List<String> shards = new ArrayList<>();
			for (int session = 0; session < 12; session++) {
				Map.Entry<String, String> recorded = stickyOverReconnects(gateway);
				assertThat(redis.sync().get(recorded.getKey())).as("recorded in the cluster")
					.isEqualTo(recorded.getValue());
				shards.add(redis.getPartitions()
					.getPartitionBySlot(redis.sync().clusterKeyslot(recorded.getKey()).intValue())
					.getNodeId());
			}
			assertThat(shards.stream().distinct().count()).as("sessions on more than one shard").isGreaterThan(1);
			assertThat(gateway.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED)).isEqualTo(0);
		}
		finally {
			direct.shutdown();
			cluster.stop();
		}
	}

	/**
	 * A new session, then 5 reconnects that must land on its instance: the key and the
	 * instance recorded.
	 */
	private static Map.Entry<String, String> stickyOverReconnects(StickyGateway gateway) throws Exception {
		StickyGateway.Answer first = gateway.ws("/chat/ws/whoami", null);
		String cookie = first.cookie(COOKIE);
		assertThat(cookie).isNotNull();
		double hits = gateway.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "hit");
		for (int i = 0; i < 5; i++) {
			assertThat(gateway.ws("/chat/ws/whoami", cookie).body()).as("reconnect " + i).isEqualTo(first.body());
		}
		assertThat(gateway.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "hit"))
			.as("every reconnect found its session in Redis")
			.isEqualTo(hits + 5);
		String id = new SessionCookies(StickyGateway.SECRET).open("chat", cookie.substring(COOKIE.length() + 1))
			.sessionId();
		TestBackend pinned = backends.stream().filter((b) -> b.name.equals(first.body())).findFirst().orElseThrow();
		return Map.entry("switchboard:sticky:chat:s:" + id, "127.0.0.1:" + pinned.port());
	}

	/** Runs {@code check} on a direct connection to each node of the cluster in turn. */
	private static void onEveryNode(RedisShardedCluster cluster,
			BiConsumer<Integer, RedisCommands<String, String>> check) {
		for (int port : cluster.serverPorts()) {
			RedisClient node = RedisClient.create("redis://127.0.0.1:" + port);
			try (StatefulRedisConnection<String, String> shard = node.connect()) {
				check.accept(port, shard.sync());
			}
			finally {
				node.shutdown();
			}
		}
	}

	private static List<String> args(String... topology) {
		List<String> args = new ArrayList<>(
				List.of("--server.port=0", "--switchboard.sticky.secret=" + StickyGateway.SECRET));
		args.addAll(List.of(topology));
		args.addAll(StickyGateway.instances("chat", backends.stream().mapToInt(TestBackend::port).toArray()));
		args.addAll(StickyGateway.stickyRoute(0, "chat", "chat", "/chat", Map.of()));
		return args;
	}

}
