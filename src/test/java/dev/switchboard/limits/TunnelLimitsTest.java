package dev.switchboard.limits;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.embedded.RedisServer;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.ChildJvm;
import dev.switchboard.support.EmbeddedRedis;
import dev.switchboard.support.Ports;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;
import dev.switchboard.tunnel.TunnelRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tunnel limits counted over two gateway replicas, one in this JVM and one a process of
 * its own, on one real Redis: a client over its limit gets 503 with Retry-After whichever
 * replica it reaches, a slot comes back however its tunnel ends (closed, refused by the
 * backend, its replica killed with SIGKILL), and without Redis each replica limits on its
 * own. Clients are told apart by X-Forwarded-For from a trusted proxy (loopback).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TunnelLimitsTest {

	private static final Duration BOUND = Duration.ofSeconds(20);

	/** How often a condition is checked while waiting for it. */
	private static final Duration POLL = Duration.ofMillis(20);

	static final TestBackend backend = new TestBackend();

	static int redisPort;

	static RedisServer redis;

	static ConfigurableApplicationContext local;

	static int localPort;

	static int localManagementPort;

	static ChildJvm child;

	static int childPort;

	@BeforeAll
	static void start() throws Exception {
		redisPort = Ports.free();
		redis = EmbeddedRedis.start(redisPort);
		childPort = Ports.free();
		child = ChildJvm.start("limits-gateway", SwitchboardApplication.class, List.of(), args(childPort));
		local = new SpringApplicationBuilder(SwitchboardApplication.class, PrivateLoops.class)
			.run(args(0).toArray(String[]::new));
		localPort = ((WebServerApplicationContext) local).getWebServer().getPort();
		localManagementPort = Integer.parseInt(local.getEnvironment().getProperty("local.management.port"));
		child.awaitLine("Started SwitchboardApplication", Duration.ofSeconds(60));
	}

	@AfterAll
	static void stop() throws Exception {
		if (local != null) {
			local.close();
		}
		if (child != null) {
			child.close();
		}
		backend.close();
		if (redis != null) {
			redis.stop();
		}
	}

	static List<String> args(int port) {
		List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--management.server.port=0",
				"--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + redisPort,
				"--switchboard.forwarded.trusted-proxies=127.0.0.1", "--switchboard.limits.heartbeat-interval=500ms",
				"--switchboard.limits.replica-timeout=2s", "--spring.lifecycle.timeout-per-shutdown-phase=5s"));
		String uri = "ws://127.0.0.1:" + backend.port();
		route(args, 0, "limited", uri, "Path=/limited/**", "max-tunnels-per-client=2");
		route(args, 1, "capped", uri, "Path=/capped/**", "max-tunnels-per-route=1");
		route(args, 2, "open", uri, "Path=/open/**", "idle-timeout=1h");
		route(args, 3, "rated", uri, "Path=/rated/**", "idle-timeout=1h");
		// Limits of 40 and 200: replicas reserve slots two and ten at a time.
		route(args, 4, "wide", uri, "Path=/wide/**", "max-tunnels-per-client=40");
		route(args, 5, "broad", uri, "Path=/broad/**", "max-tunnels-per-client=200");
		String limiter = "--spring.cloud.gateway.server.webflux.routes[3].filters[1]";
		args.addAll(List.of(limiter + ".name=RequestRateLimiter", limiter + ".args[redis-rate-limiter.replenishRate]=1",
				limiter + ".args[redis-rate-limiter.burstCapacity]=2"));
		return args;
	}

	private static void route(List<String> args, int index, String id, String uri, String predicate, String setting) {
		String route = "--spring.cloud.gateway.server.webflux.routes[" + index + "]";
		args.addAll(List.of(route + ".id=" + id, route + ".uri=" + uri, route + ".predicates[0]=" + predicate,
				route + ".filters[0]=StripPrefix=1", route + ".metadata.switchboard." + setting));
	}

	@Test
	@Order(1)
	void aClientOverItsLimitGets503WithRetryAfterWhileOthersCarryOn() throws Exception {
		PrometheusScrape before = PrometheusScrape.of(localManagementPort);
		try (WsClient bystander = connect(localPort, "/open/ws", "198.51.100.9");
				WsClient first = connect(localPort, "/limited/ws", "198.51.100.1");
				WsClient second = connect(localPort, "/limited/ws", "198.51.100.1")) {
			String head = handshake(localPort, "/limited/ws", "198.51.100.1");
			assertThat(head).startsWith("HTTP/1.1 503").contains("Retry-After: 5");
			assertThat(handshake(localPort, "/limited/ws", "198.51.100.2")).as("another client")
				.startsWith("HTTP/1.1 101");
			bystander.sendText("unharmed");
			assertThat(bystander.nextText()).isEqualTo("unharmed");
			first.sendText("still open");
			assertThat(first.nextText()).isEqualTo("still open");
		}
		PrometheusScrape after = PrometheusScrape.of(localManagementPort);
		String[] labels = { "route=limited", "outcome=refused_by_policy", "status=503", "reason=concurrency" };
		assertThat(
				after.value("switchboard_upgrades_total", labels) - before.value("switchboard_upgrades_total", labels))
			.isEqualTo(1);
		assertThat(after.value("switchboard_limits_shared")).isEqualTo(1);
	}

	@Test
	@Order(2)
	void redisCommandsOnTheHandshakePathAreNotObservedOrRecordedOneByOneWithoutTracing() {
		// Handshakes above have run Redis scripts: with Spring Boot's Lettuce observation
		// each would have left a lettuce_* timer.
		assertThat(PrometheusScrape.of(localManagementPort).names()).isNotEmpty()
			.noneMatch((name) -> name.startsWith("lettuce"));
		assertThat(local.getBean(ClientResources.class).tracing().isEnabled()).isFalse();
		// Nor recorded into Lettuce's own latency histograms, which nothing reads.
		assertThat(local.getBean(ClientResources.class).commandLatencyRecorder().isEnabled()).isFalse();
	}

	@Test
	@Order(2)
	void aClientOverItsHandshakeRateGets429WithRetryAfterWhileOthersCarryOn() throws Exception {
		PrometheusScrape before = PrometheusScrape.of(localManagementPort);
		// A burst of two, then one a second. The limiter's clock has whole seconds, so a
		// second may tick during the burst and refill one token: of five handshakes sent
		// at once, two or three get their 101 and the rest 429.
		List<String> heads = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			heads.add(handshake(localPort, "/rated/ws", "198.51.100.20"));
		}
		assertThat(heads.subList(0, 2)).allSatisfy((head) -> assertThat(head).startsWith("HTTP/1.1 101"));
		List<String> refused = heads.stream().filter((head) -> head.startsWith("HTTP/1.1 429")).toList();
		assertThat(refused).hasSizeBetween(2, 3).allSatisfy((head) -> assertThat(head).contains("Retry-After: 1"));
		assertThat(handshake(localPort, "/rated/ws", "198.51.100.21")).as("another client").startsWith("HTTP/1.1 101");
		PrometheusScrape after = PrometheusScrape.of(localManagementPort);
		String[] labels = { "route=rated", "outcome=refused_by_policy", "status=429", "reason=rate" };
		assertThat(
				after.value("switchboard_upgrades_total", labels) - before.value("switchboard_upgrades_total", labels))
			.isEqualTo(refused.size());
	}

	@Test
	@Order(2)
	void aClosedTunnelGivesItsSlotBack() throws Exception {
		try (WsClient first = connect(localPort, "/limited/ws", "198.51.100.3")) {
			try (WsClient second = connect(localPort, "/limited/ws", "198.51.100.3")) {
				assertThat(handshake(localPort, "/limited/ws", "198.51.100.3")).startsWith("HTTP/1.1 503");
			}
			await101(localPort, "/limited/ws", "198.51.100.3", "the closed tunnel's slot given back");
		}
	}

	@Test
	@Order(3)
	void aHandshakeTheBackendRefusesGivesItsSlotBack() throws Exception {
		// The refused clients stay connected (keep-alive): only the handshake's outcome
		// can give their slots back.
		List<RawHttp> refused = new ArrayList<>();
		try {
			for (int i = 0; i < 4; i++) {
				RawHttp raw = new RawHttp(localPort);
				refused.add(raw);
				raw.socket().setSoTimeout((int) BOUND.toMillis());
				assertThat(raw.send(handshakeRequest("/limited/nowhere", "198.51.100.4")).readHead()).as("attempt " + i)
					.startsWith("HTTP/1.1 404");
			}
			try (WsClient first = connect(localPort, "/limited/ws", "198.51.100.4");
					WsClient second = connect(localPort, "/limited/ws", "198.51.100.4")) {
				assertThat(handshake(localPort, "/limited/ws", "198.51.100.4")).startsWith("HTTP/1.1 503");
			}
		}
		finally {
			for (RawHttp raw : refused) {
				raw.close();
			}
		}
	}

	@Test
	@Order(4)
	void aRouteLimitCountsEveryClient() throws Exception {
		try (WsClient only = connect(localPort, "/capped/ws", "198.51.100.5")) {
			assertThat(handshake(localPort, "/capped/ws", "198.51.100.6")).startsWith("HTTP/1.1 503");
			assertThat(handshake(childPort, "/capped/ws", "198.51.100.7")).as("on the other replica")
				.startsWith("HTTP/1.1 503");
		}
	}

	@Test
	@Order(4)
	void replicasReservingSlotsAheadNeverExceedTheLimitAndGiveFreedSlotsBack() throws Exception {
		List<WsClient> onLocal = new ArrayList<>();
		List<WsClient> onChild = new ArrayList<>();
		try {
			for (int i = 0; i < 20; i++) {
				onLocal.add(connect(localPort, "/wide/ws", "203.0.113.40"));
				onChild.add(connect(childPort, "/wide/ws", "203.0.113.40"));
			}
			assertThat(handshake(localPort, "/wide/ws", "203.0.113.40")).as("41st, this replica")
				.startsWith("HTTP/1.1 503");
			assertThat(handshake(childPort, "/wide/ws", "203.0.113.40")).as("41st, the other replica")
				.startsWith("HTTP/1.1 503");
			closeAll(onLocal);
			// Closed here, the slots are given back (a chunk at a time, the rest at the
			// next heartbeat) and the other replica can take every one of them.
			for (int i = 0; i < 20; i++) {
				// 503 until the closes have been counted
				onChild.add(await("slot " + i + " given back").atMost(BOUND)
					.pollInterval(POLL)
					.ignoreExceptions()
					.until(() -> connect(childPort, "/wide/ws", "203.0.113.40"), Objects::nonNull));
			}
			assertThat(handshake(childPort, "/wide/ws", "203.0.113.40")).as("41st again").startsWith("HTTP/1.1 503");
		}
		finally {
			closeAll(onLocal);
			closeAll(onChild);
		}
	}

	@Test
	@Order(4)
	void handshakesTakeReservedSlotsWithoutAskingRedisEachTime() throws Exception {
		List<WsClient> tunnels = new ArrayList<>();
		RedisClient direct = RedisClient.create("redis://127.0.0.1:" + redisPort);
		try (StatefulRedisConnection<String, String> redisConnection = direct.connect()) {
			long before = scriptCalls(redisConnection);
			for (int i = 0; i < 20; i++) {
				tunnels.add(connect(localPort, "/broad/ws", "203.0.113.50"));
			}
			// Two reservations of ten, and a heartbeat's confirmation or two; a round
			// trip per handshake would be twenty.
			assertThat(scriptCalls(redisConnection) - before).isLessThan(10);
		}
		finally {
			closeAll(tunnels);
			direct.shutdown();
		}
	}

	@Test
	@Order(4)
	void aReservationGrantedToACancelledHandshakeIsStillCountedAndGivenBack() throws Exception {
		SharedTunnelCounts counts = local.getBean(SharedTunnelCounts.class);
		TunnelLease lease = new TunnelLease(counts);
		String key = "switchboard:test:cancelled";
		RedisClient direct = RedisClient.create("redis://127.0.0.1:" + redisPort);
		try (StatefulRedisConnection<String, String> redisConnection = direct.connect()) {
			// Cancelled as soon as asked, long before Redis answers (a client that
			// leaves mid-handshake).
			for (int i = 0; i < 10; i++) {
				counts.tryAcquire(key, 100, lease).subscribe().dispose();
			}
			await("reserved in Redis").atMost(BOUND)
				.pollInterval(POLL)
				.until(() -> redisConnection.sync().hlen(key) > 0);
			lease.release();
			// Given back: the next heartbeats (every 500ms) trim the reservation to
			// nothing, well before the key's TTL (twice the replica timeout, 4s) would
			// hide a reservation this replica lost track of.
			await().atMost(Duration.ofMillis(2500))
				.pollInterval(POLL)
				.untilAsserted(() -> assertThat(redisConnection.sync().exists(key))
					.as("reservation given back, Redis holds " + redisConnection.sync().hgetall(key))
					.isZero());
		}
		finally {
			direct.shutdown();
		}
	}

	/**
	 * A slot reserved in Redis and freed while the replica counts on its own (Redis not
	 * answering, its data kept) is given back once Redis answers again. The other
	 * replica's tunnel keeps the count's key alive, so only that correction frees it.
	 */
	@Test
	@Order(4)
	void aSlotFreedWhileRedisStalledIsGivenBackWhenItAnswersAgain() throws Exception {
		WsClient onChild = connect(childPort, "/limited/ws", "198.51.100.9");
		try {
			WsClient onLocal = connect(localPort, "/limited/ws", "198.51.100.9");
			EmbeddedRedis.pause(redisPort, Duration.ofMillis(2500));
			awaitShared(0, "counting on its own while Redis stalls");
			onLocal.close();
			TunnelRegistry tunnels = local.getBean(TunnelRegistry.class);
			await("the tunnel closed").atMost(BOUND)
				.pollInterval(POLL)
				.until(() -> tunnels.openOn("limited").isEmpty());
			assertThat(PrometheusScrape.of(localManagementPort).value("switchboard_limits_shared"))
				.as("freed while Redis still stalled")
				.isEqualTo(0);
			awaitShared(1, "shared again once Redis answers");
			await101(localPort, "/limited/ws", "198.51.100.9", "the freed slot is free in Redis");
		}
		finally {
			onChild.close();
		}
	}

	private static void awaitShared(int shared, String what) {
		await(what).atMost(BOUND)
			.pollInterval(POLL)
			.until(() -> PrometheusScrape.of(localManagementPort).value("switchboard_limits_shared") == shared);
	}

	@Test
	@Order(5)
	void theLimitIsSharedByTheReplicasAndAKilledReplicasSlotsComeBack() throws Exception {
		// One tunnel on each replica: this replica's heartbeat keeps the count alive, so
		// only dropping the dead replica's stale count frees its slot.
		WsClient onChild = connect(childPort, "/limited/ws", "203.0.113.1");
		try (WsClient onLocal = connect(localPort, "/limited/ws", "203.0.113.1")) {
			assertThat(handshake(localPort, "/limited/ws", "203.0.113.1")).as("counted over both replicas")
				.startsWith("HTTP/1.1 503");
			child.kill();
			onChild.abort();
			long killed = System.nanoTime();
			await101(localPort, "/limited/ws", "203.0.113.1", "the dead replica's slot expires");
			assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(10));
			onLocal.sendText("still open");
			assertThat(onLocal.nextText()).isEqualTo("still open");
		}
	}

	@Test
	@Order(6)
	void withoutRedisEachReplicaLimitsOnItsOwn() throws Exception {
		EmbeddedRedis.kill(redisPort);
		try (WsClient first = connect(localPort, "/limited/ws", "192.0.2.1");
				WsClient second = connect(localPort, "/limited/ws", "192.0.2.1")) {
			assertThat(handshake(localPort, "/limited/ws", "192.0.2.1")).startsWith("HTTP/1.1 503");
			assertThat(PrometheusScrape.of(localManagementPort).value("switchboard_limits_shared")).isEqualTo(0);
			for (int i = 0; i < 4; i++) {
				assertThat(handshake(localPort, "/rated/ws", "192.0.2.2")).as("the rate limiter fails open")
					.startsWith("HTTP/1.1 101");
			}
		}
		await101(localPort, "/limited/ws", "192.0.2.1", "the slots given back without Redis");
		redis = EmbeddedRedis.start(redisPort);
		awaitShared(1, "shared again once Redis answers");
	}

	/** Scripts Redis has run since it started (the limits' and the rate limiter's). */
	private static long scriptCalls(StatefulRedisConnection<String, String> redisConnection) {
		String stats = redisConnection.sync().info("commandstats");
		Matcher calls = Pattern.compile("cmdstat_(?:evalsha|eval):calls=(\\d+)").matcher(stats);
		long total = 0;
		while (calls.find()) {
			total += Long.parseLong(calls.group(1));
		}
		return total;
	}

	private static void closeAll(List<WsClient> clients) {
		for (WsClient client : clients) {
			client.close();
		}
		clients.clear();
	}

	/** Tries a handshake until one gets its 101 (a slot is given back asynchronously). */
	private static void await101(int port, String path, String client, String what) {
		await(what).atMost(BOUND)
			.pollInterval(POLL)
			.until(() -> handshake(port, path, client).startsWith("HTTP/1.1 101"));
	}

	private static WsClient connect(int port, String path, String client) {
		return WsClient.connect("ws://127.0.0.1:" + port + path, (headers) -> headers.set("X-Forwarded-For", client));
	}

	/** A handshake over a raw socket, closed right after the answer; returns its head. */
	private static String handshake(int port, String path, String client) throws IOException {
		return RawHttp.head(port, handshakeRequest(path, client), BOUND);
	}

	private static String handshakeRequest(String path, String client) {
		return RawHttp.webSocketHandshake(path, "X-Forwarded-For: " + client);
	}

}
