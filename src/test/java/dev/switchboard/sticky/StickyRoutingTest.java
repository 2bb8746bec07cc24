package dev.switchboard.sticky;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import redis.embedded.RedisServer;

import org.springframework.cloud.client.discovery.simple.InstanceProperties;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import dev.switchboard.metrics.SwitchboardMeters;
import dev.switchboard.support.EmbeddedRedis;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;
import dev.switchboard.tunnel.TunnelRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sticky routing end to end: a real Redis server (embedded-redis starts the redis-server
 * binary it ships), real backends telling who they are, and two whole gateway
 * applications sharing that Redis.
 *
 * <table>
 * <tr>
 * <td>/chat/**</td>
 * <td>lb://chat: backends a, b, c; cookie sessions</td>
 * </tr>
 * <tr>
 * <td>/pair/**</td>
 * <td>lb://pair: backends d, e; one of them is killed</td>
 * </tr>
 * <tr>
 * <td>/drain/**</td>
 * <td>lb://drainable: backends f, g; one is drained</td>
 * </tr>
 * <tr>
 * <td>/dns/**</td>
 * <td>lb://resolved: the A records of localhost, port of backend a</td>
 * </tr>
 * <tr>
 * <td>/learn/**</td>
 * <td>lb://chat, learning cookie {@code io}, presented as {@code ?sid=}</td>
 * </tr>
 * </table>
 */
class StickyRoutingTest {

	private static final Log logger = LogFactory.getLog(StickyRoutingTest.class);

	static final String COOKIE = "SWITCHBOARD_STICKY";

	static final Duration LIMIT = Duration.ofSeconds(15);

	static final List<TestBackend> chat = List.of(new TestBackend("a"), new TestBackend("b"), new TestBackend("c"));

	static final List<TestBackend> pair = List.of(new TestBackend("d"), new TestBackend("e"));

	static final List<TestBackend> drainable = List.of(new TestBackend("f"), new TestBackend("g"));

	static final List<TestBackend> movable = List.of(new TestBackend("m"), new TestBackend("n"));

	static final TestBackend stalled = new TestBackend("s");

	static int redisPort;

	static RedisServer redis;

	static StickyGateway one;

	static StickyGateway two;

	@BeforeAll
	static void start() throws IOException {
		redisPort = StickyGateway.freePort();
		redis = StickyGateway.redis(redisPort);
		redis.start();
		List<String> args = StickyGateway.baseArgs(redisPort);
		args.add("--switchboard.balancer.ejection-period=30s");
		// Instance lists are cached for 35 s by default; 1 s lets a test see an instance
		// leave discovery.
		args.add("--spring.cloud.loadbalancer.cache.ttl=1s");
		// Drains are read from Redis every 200 ms: shorter than the 500 ms Redis timeout,
		// so a stalled
		// Redis makes syncs overrun their interval.
		args.add("--switchboard.balancer.drain-sync-interval=200ms");
		args.addAll(StickyGateway.instances("chat", ports(chat)));
		args.addAll(StickyGateway.instances("pair", ports(pair)));
		args.addAll(StickyGateway.instances("drainable", ports(drainable)));
		args.addAll(StickyGateway.instances("movable", ports(movable)));
		args.addAll(StickyGateway.instances("stalled", stalled.port()));
		args.addAll(StickyGateway.stickyRoute(0, "chat", "chat", "/chat", Map.of()));
		args.addAll(StickyGateway.stickyRoute(1, "pair", "pair", "/pair", Map.of()));
		args.addAll(StickyGateway.stickyRoute(2, "drain", "drainable", "/drain", Map.of()));
		args.addAll(StickyGateway.stickyRoute(3, "learn", "chat", "/learn",
				Map.of("learn-cookie", "io", "learn-query-param", "sid", "cookie-name", "LEARN")));
		args.addAll(StickyGateway.stickyRoute(4, "dns", "resolved", "/dns", Map.of()));
		args.addAll(StickyGateway.stickyRoute(5, "movable", "movable", "/movable", Map.of()));
		args.addAll(StickyGateway.stickyRoute(6, "stalled", "stalled", "/stalled", Map.of()));
		args.add("--switchboard.discovery.dns.services.resolved=localhost:" + chat.get(0).port());
		one = new StickyGateway(args);
		// The second replica sits behind a proxy it trusts (loopback): it believes
		// X-Forwarded-Proto.
		List<String> behindProxy = new ArrayList<>(args);
		behindProxy.add("--switchboard.forwarded.trusted-proxies=127.0.0.0/8");
		two = new StickyGateway(behindProxy);
	}

	@AfterAll
	static void stop() throws IOException {
		StickyGateway.closeAll(one, two);
		chat.forEach(TestBackend::close);
		pair.forEach(TestBackend::close);
		drainable.forEach(TestBackend::close);
		movable.forEach(TestBackend::close);
		stalled.close();
		redis.stop();
	}

	@Test
	void aSessionStaysOnItsInstanceOver20Reconnects() throws Exception {
		for (int session = 0; session < 3; session++) {
			StickyGateway.Answer first = one.ws("/chat/ws/whoami", null);
			String cookie = first.cookie(COOKIE);
			assertThat(cookie).isNotNull();
			assertThat(first.setCookie(COOKIE)).contains("HttpOnly")
				.contains("Path=/")
				.contains("SameSite=Lax")
				.doesNotContain("Secure");
			for (int i = 0; i < 20; i++) {
				StickyGateway.Answer again = one.ws("/chat/ws/whoami", cookie);
				assertThat(again.body()).as("reconnect " + i).isEqualTo(first.body());
				assertThat(again.cookie(COOKIE)).as("a known session gets no new cookie").isNull();
			}
		}
		MeterRegistry registry = one.bean(MeterRegistry.class);
		assertThat(registry.get(SwitchboardMeters.STICKY_REDIS_LATENCY).tag("operation", "get").timer().count())
			.isGreaterThanOrEqualTo(60);
		assertThat(registry.get(SwitchboardMeters.STICKY_REDIS_LATENCY).tag("operation", "set").timer().count())
			.isGreaterThanOrEqualTo(3);
		assertThat(one.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "hit"))
			.isGreaterThanOrEqualTo(60);
		assertThat(one.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED)).isEqualTo(0);
		assertThat(one.meter(SwitchboardMeters.BACKEND_INSTANCES, "backend_service", "chat", "state", "healthy"))
			.isEqualTo(3);
		assertThat(one.meter(SwitchboardMeters.BACKEND_INSTANCES, "backend_service", "chat", "state", "draining"))
			.isEqualTo(0);
	}

	@Test
	void aGroupCanComeFromDns() throws Exception {
		StickyGateway.Answer first = one.get("/dns/whoami", null);
		assertThat(first.body()).isEqualTo("a");
		assertThat(one.ws("/dns/ws/whoami", first.cookie(COOKIE)).body()).isEqualTo("a");
	}

	@Test
	void theCookieIsSecureWhenATrustedProxySaysTheClientCameOverTls() {
		assertThat(newSessionCookie(two, "https")).contains("Secure").contains("HttpOnly");
		assertThat(newSessionCookie(two, "http")).doesNotContain("Secure");
	}

	@Test
	void aSpoofedForwardedProtoFromAnUntrustedPeerIsIgnored() {
		assertThat(newSessionCookie(one, "https")).doesNotContain("Secure").contains("HttpOnly");
	}

	/** The Set-Cookie of a new session started with {@code X-Forwarded-Proto: proto}. */
	private static String newSessionCookie(StickyGateway gateway, String proto) {
		StickyGateway.Answer answer = WsClient.client()
			.headers((headers) -> headers.set("X-Forwarded-Proto", proto))
			.get()
			.uri(gateway.url("http", "/chat/whoami"))
			.responseSingle((response, body) -> body.asString()
				.map((text) -> new StickyGateway.Answer(response.status().code(), text,
						response.responseHeaders().getAll("Set-Cookie"))))
			.block(WsClient.TIMEOUT);
		return answer.setCookie(COOKIE);
	}

	@Test
	void thirtyNewSessionsSpreadEvenlyOverThreeInstances() throws Exception {
		awaitNoTunnels(one);
		// New sessions are hashed, not spread by load, while the store is degraded (an
		// earlier test may have stalled Redis).
		StickyGateway.await("the gateway uses Redis", LIMIT,
				() -> one.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED) == 0);
		List<WsClient> open = new ArrayList<>();
		Map<String, Integer> perInstance = new HashMap<>();
		try {
			for (int i = 0; i < 30; i++) {
				WsClient client = one.connect("/chat/ws/whoami", null);
				open.add(client);
				perInstance.merge(client.nextText(), 1, Integer::sum);
			}
		}
		finally {
			open.forEach(WsClient::close);
		}
		assertThat(perInstance).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
		awaitNoTunnels(one);
		Map<String, Integer> http = new HashMap<>();
		for (int i = 0; i < 30; i++) {
			http.merge(one.get("/chat/whoami", null).body(), 1, Integer::sum);
		}
		assertThat(http).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
	}

	@Test
	void plainHttpAndWebSocketShareOneSession() throws Exception {
		StickyGateway.Answer first = one.get("/chat/whoami", null);
		assertThat(first.status()).isEqualTo(200);
		String cookie = first.cookie(COOKIE);
		assertThat(cookie).isNotNull();
		for (int i = 0; i < 5; i++) {
			assertThat(one.ws("/chat/ws/whoami", cookie).body()).isEqualTo(first.body());
			assertThat(one.get("/chat/whoami", cookie).body()).isEqualTo(first.body());
		}
	}

	@Test
	void twoGatewaysRouteOneSessionIdentically() throws Exception {
		for (StickyGateway start : List.of(one, two, one, two, one, two)) {
			StickyGateway.Answer first = start.ws("/chat/ws/whoami", null);
			String cookie = first.cookie(COOKIE);
			for (int i = 0; i < 10; i++) {
				StickyGateway gateway = (i % 2 == 0) ? two : one;
				assertThat(gateway.ws("/chat/ws/whoami", cookie).body()).isEqualTo(first.body());
				assertThat(gateway.get("/chat/whoami", cookie).body()).isEqualTo(first.body());
			}
		}
	}

	@Test
	void aForgedOrTamperedCookieIsANewSession() throws Exception {
		StickyGateway.Answer first = one.get("/chat/whoami", null);
		String cookie = first.cookie(COOKIE);
		String value = cookie.substring(COOKIE.length() + 1);
		String tampered = COOKIE + "=" + value.substring(0, 5) + ((value.charAt(5) == 'A') ? 'B' : 'A')
				+ value.substring(6);
		String forged = COOKIE + "=" + new SessionCookies("forged-secret-forged-secret-forged-secret").seal("chat",
				"AAAAAAAAAAAAAAAAAAAAAA", "127.0.0.1:" + chat.get(0).port());
		String garbage = COOKIE + "=127.0.0.1:" + chat.get(0).port();
		double rejectedBefore = one.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision",
				"rejected_cookie");
		for (String bad : List.of(tampered, forged, garbage)) {
			StickyGateway.Answer answer = one.get("/chat/whoami", bad);
			assertThat(answer.status()).isEqualTo(200);
			assertThat(answer.cookie(COOKIE)).as("a new session for " + bad).isNotNull().isNotEqualTo(cookie);
		}
		assertThat(one.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "rejected_cookie"))
			.isEqualTo(rejectedBefore + 3);
	}

	@Test
	void aKilledInstanceLosesItsSessionsToAHealthyOneWithTheCookieUpdated() throws Exception {
		StickyGateway.Answer first = one.ws("/pair/ws/whoami", null);
		String cookie = first.cookie(COOKIE);
		TestBackend pinned = pair.stream().filter((b) -> b.name.equals(first.body())).findFirst().orElseThrow();
		TestBackend other = pair.stream().filter((b) -> b != pinned).findFirst().orElseThrow();
		// A second session on the same instance, for plain HTTP through the gateway that
		// never saw it fail.
		String httpCookie = null;
		for (int i = 0; i < 4 && httpCookie == null; i++) {
			StickyGateway.Answer answer = two.get("/pair/whoami", null);
			httpCookie = answer.body().equals(pinned.name) ? answer.cookie(COOKIE) : null;
		}
		assertThat(httpCookie).isNotNull();
		pinned.kill();
		StickyGateway.Answer movedHttp = two.get("/pair/whoami", httpCookie);
		assertThat(movedHttp.status()).isEqualTo(200);
		assertThat(movedHttp.body()).isEqualTo(other.name);
		assertThat(movedHttp.setCookie(COOKIE)).isNotNull();
		assertThat(one.get("/pair/whoami", httpCookie).body()).isEqualTo(other.name);
		long start = System.nanoTime();
		StickyGateway.Answer moved = one.ws("/pair/ws/whoami", cookie);
		long reassignMillis = (System.nanoTime() - start) / 1_000_000;
		assertThat(moved.body()).isEqualTo(other.name);
		assertThat(moved.setCookie(COOKIE)).as("the cookie is sent again with the reassignment").isNotNull();
		assertThat(one.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "pair", "decision", "reassigned"))
			.isGreaterThanOrEqualTo(1);
		// The other gateway never saw the instance fail: Redis tells it where the session
		// went.
		for (int i = 0; i < 5; i++) {
			assertThat(two.get("/pair/whoami", cookie).body()).isEqualTo(other.name);
			assertThat(two.ws("/pair/ws/whoami", cookie).body()).isEqualTo(other.name);
		}
		logger.info("Reassignment handshake after the pinned instance died: " + reassignMillis + " ms");
	}

	/**
	 * An instance that leaves discovery (a pod scaled away; here removed from the simple
	 * discovery list while it still runs) loses its sessions to a remaining one:
	 * reassigned, cookie re-sent, Redis updated so the other gateway, which still lists
	 * the instance, follows.
	 */
	@Test
	void anInstanceGoneFromDiscoveryLosesItsSessions() throws Exception {
		StickyGateway.Answer first = one.ws("/movable/ws/whoami", null);
		String cookie = first.cookie(COOKIE);
		TestBackend pinned = movable.stream().filter((b) -> b.name.equals(first.body())).findFirst().orElseThrow();
		TestBackend other = movable.stream().filter((b) -> b != pinned).findFirst().orElseThrow();
		List<InstanceProperties> listed = one.bean(SimpleReactiveDiscoveryProperties.class).getInstances("movable");
		assertThat(listed.removeIf((instance) -> instance.getPort() == pinned.port())).isTrue();
		AtomicReference<StickyGateway.Answer> reassigned = new AtomicReference<>();
		StickyGateway.await("the session leaves the instance once discovery drops it", LIMIT, () -> {
			StickyGateway.Answer answer = one.get("/movable/whoami", cookie);
			reassigned.set(answer);
			return answer.body().equals(other.name);
		});
		assertThat(reassigned.get().setCookie(COOKIE)).as("the cookie is sent again with the reassignment").isNotNull();
		StickyGateway.Answer moved = one.ws("/movable/ws/whoami", cookie);
		assertThat(moved.body()).isEqualTo(other.name);
		assertThat(one.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "movable", "decision", "reassigned"))
			.isGreaterThanOrEqualTo(1);
		assertThat(two.ws("/movable/ws/whoami", cookie).body()).as("the other gateway follows Redis")
			.isEqualTo(other.name);
		assertThat(one.meter(SwitchboardMeters.BACKEND_INSTANCES, "backend_service", "movable", "state", "ejected"))
			.as("the instance never failed, so it was not ejected")
			.isEqualTo(0);
	}

	@Test
	void keysLearnedFromTheBackendKeepCookielessClientsSticky() throws Exception {
		for (int session = 0; session < 6; session++) {
			StickyGateway.Answer first = one.get("/learn/whoami?setio", null);
			String io = first.cookie("io");
			assertThat(io).as("the backend set its own session cookie").isNotNull();
			String sid = io.substring(3);
			for (int i = 0; i < 6; i++) {
				StickyGateway gateway = (i % 2 == 0) ? two : one;
				assertThat(gateway.get("/learn/whoami?sid=" + sid, null).body()).isEqualTo(first.body());
				assertThat(gateway.get("/learn/whoami", io).body()).isEqualTo(first.body());
				assertThat(gateway.ws("/learn/ws/whoami?sid=" + sid, null).body()).isEqualTo(first.body());
			}
		}
	}

	/**
	 * New sessions go to the instance with the fewest tunnels, which no hash can
	 * recompute: without Redis only the cookie brings a session back. Every one of 30
	 * sessions keeps its instance on both replicas while Redis is down, and again after
	 * Redis restarts empty, which then learns them back.
	 */
	@Test
	void everyReturningSessionKeepsItsInstanceThroughARedisOutageAndAnEmptyRestart() throws Exception {
		Map<String, String> sessions = new LinkedHashMap<>();
		for (int i = 0; i < 30; i++) {
			StickyGateway.Answer started = one.ws("/chat/ws/whoami", null);
			sessions.put(started.cookie(COOKIE), started.body());
		}
		assertThat(new HashSet<>(sessions.values())).as("spread over the three instances").hasSize(3);
		double fromCookies = one.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "cookie");
		redis.stop();
		try {
			long start = System.nanoTime();
			one.get("/chat/whoami", sessions.keySet().iterator().next());
			long firstMillis = (System.nanoTime() - start) / 1_000_000;
			for (Map.Entry<String, String> session : sessions.entrySet()) {
				assertThat(one.ws("/chat/ws/whoami", session.getKey()).body()).isEqualTo(session.getValue());
				assertThat(two.ws("/chat/ws/whoami", session.getKey()).body()).isEqualTo(session.getValue());
				assertThat(two.get("/chat/whoami", session.getKey()).body()).isEqualTo(session.getValue());
			}
			for (int i = 0; i < 6; i++) {
				StickyGateway.Answer fresh = two.ws("/chat/ws/whoami", null);
				assertThat(one.ws("/chat/ws/whoami", fresh.cookie(COOKIE)).body()).isEqualTo(fresh.body());
			}
			assertThat(one.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED)).isEqualTo(1);
			assertThat(two.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED)).isEqualTo(1);
			assertThat(one.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "cookie"))
				.isGreaterThanOrEqualTo(fromCookies + 30);
			assertThat(one.meter(SwitchboardMeters.STICKY_REDIS_ERRORS, "operation", "get")).isGreaterThan(0);
			assertThat(one.get("/actuator/health/readiness", null).status()).isEqualTo(200);
			logger.info("First request after Redis stopped: " + firstMillis + " ms");
		}
		finally {
			redis = StickyGateway.redis(redisPort);
			redis.start();
		}
		long back = System.nanoTime();
		StickyGateway.await("both gateways use Redis again", LIMIT,
				() -> one.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED) == 0
						&& two.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED) == 0);
		logger.info("Back on Redis after restart within " + (System.nanoTime() - back) / 1_000_000 + " ms");
		ReactiveStringRedisTemplate template = one.bean(ReactiveStringRedisTemplate.class);
		SessionCookies cookies = new SessionCookies(StickyGateway.SECRET);
		for (Map.Entry<String, String> session : sessions.entrySet()) {
			assertThat(one.ws("/chat/ws/whoami", session.getKey()).body()).isEqualTo(session.getValue());
			String id = cookies.open("chat", session.getKey().substring(COOKIE.length() + 1)).sessionId();
			StickyGateway.await("the session is recorded in Redis again", LIMIT, () -> instanceOf(session.getValue())
				.equals(template.opsForValue().get("switchboard:sticky:chat:s:" + id).block(WsClient.TIMEOUT)));
		}
		double hits = two.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "hit");
		for (Map.Entry<String, String> session : sessions.entrySet()) {
			assertThat(two.ws("/chat/ws/whoami", session.getKey()).body()).isEqualTo(session.getValue());
		}
		assertThat(two.meter(SwitchboardMeters.STICKY_DECISIONS, "route", "chat", "decision", "hit"))
			.as("the other replica finds them in Redis")
			.isEqualTo(hits + 30);
	}

	private static String instanceOf(String name) {
		return "127.0.0.1:" + chat.stream().filter((b) -> b.name.equals(name)).findFirst().orElseThrow().port();
	}

	/**
	 * A Redis that is up but does not answer (CLIENT PAUSE: what a stalled or overloaded
	 * Redis looks like) costs a request at most {@code redis.timeout} (500 ms), never the
	 * pause, and routing comes back.
	 */
	@Test
	void aRedisThatStopsAnsweringDelaysARequestByTheTimeoutOnly() throws Exception {
		String cookie = one.ws("/chat/ws/whoami", null).cookie(COOKIE);
		String where = one.get("/chat/whoami", cookie).body();
		double errorsBefore = one.meter(SwitchboardMeters.STICKY_REDIS_ERRORS, "operation", "get");
		EmbeddedRedis.pause(redisPort, Duration.ofSeconds(5));
		long start = System.nanoTime();
		StickyGateway.Answer answer = one.ws("/chat/ws/whoami", cookie);
		long millis = (System.nanoTime() - start) / 1_000_000;
		assertThat(answer.body()).as("routed by rendezvous hashing while Redis is silent").isNotNull();
		assertThat(millis).as("the handshake waited for the timeout, not for Redis").isLessThan(2500);
		assertThat(one.meter(SwitchboardMeters.STICKY_REDIS_ERRORS, "operation", "get")).isGreaterThan(errorsBefore);
		assertThat(one.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED)).isEqualTo(1);
		logger.info("Handshake while Redis was paused: " + millis + " ms");
		StickyGateway.await("back on Redis after the pause", LIMIT,
				() -> one.meter(SwitchboardMeters.STICKY_REDIS_DEGRADED) == 0);
		assertThat(one.get("/chat/whoami", cookie).body()).isEqualTo(where);
	}

	/**
	 * The drain sync is a loop in the background of every replica: while Redis stalls,
	 * each sync takes the whole Redis timeout (500 ms), longer than its interval (200
	 * ms). The loop must survive that (it once died of it for good) and follow a drain
	 * started on another replica afterwards.
	 */
	@Test
	void aDrainStartedAfterRedisStalledIsFollowedByTheOtherReplica() throws Exception {
		EmbeddedRedis.pause(redisPort, Duration.ofSeconds(2));
		StickyGateway.await("Redis answers again", LIMIT, () -> {
			try (Socket socket = new Socket("127.0.0.1", redisPort)) {
				socket.setSoTimeout(200);
				socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
				return socket.getInputStream().read() == '+';
			}
			catch (IOException ex) {
				return false;
			}
		});
		String instance = "127.0.0.1:" + stalled.port();
		assertThat(two.get("/stalled/whoami", null).body()).isEqualTo("s");
		try {
			assertThat(
					post(one, "/actuator/backends", "{\"instance\":\"" + instance + "\",\"draining\":true}").status())
				.isEqualTo(200);
			StickyGateway.await("the other replica follows the drain", LIMIT, () -> draining(two, instance));
		}
		finally {
			post(one, "/actuator/backends", "{\"instance\":\"" + instance + "\",\"draining\":false}");
			StickyGateway.await("the other replica ends the drain", LIMIT, () -> !draining(two, instance));
		}
	}

	/**
	 * Whether {@code gateway}'s /actuator/backends lists {@code instance} as draining.
	 */
	private static boolean draining(StickyGateway gateway, String instance) {
		String body = gateway.get("/actuator/backends", null).body();
		return Pattern.compile("\"instance\":\"" + Pattern.quote(instance) + "\"[^}]*\"draining\":true")
			.matcher(body)
			.find();
	}

	@Test
	void aDrainedInstanceClosesItsTunnelsWith1001AndItsSessionsMoveOnEveryGateway() throws Exception {
		awaitNoTunnels(one);
		awaitNoTunnels(two);
		List<WsClient> clients = new ArrayList<>();
		List<String> cookies = new ArrayList<>();
		List<String> names = new ArrayList<>();
		List<StickyGateway> via = new ArrayList<>();
		try {
			for (StickyGateway gateway : List.of(one, one, one, one, two, two, two, two)) {
				StickyGateway.Answer session = gateway.get("/drain/whoami", null);
				WsClient client = gateway.connect("/drain/ws/whoami", session.cookie(COOKIE));
				names.add(client.nextText());
				clients.add(client);
				cookies.add(session.cookie(COOKIE));
				via.add(gateway);
			}
			TestBackend drained = drainable.get(0);
			TestBackend kept = drainable.get(1);
			assertThat(names).contains(drained.name, kept.name);
			String instance = "127.0.0.1:" + drained.port();
			StickyGateway.Answer listed = one.get("/actuator/backends", null);
			assertThat(listed.status()).isEqualTo(200);
			assertThat(listed.body()).contains("\"route\":\"drain\"")
				.contains("\"instance\":\"" + instance + "\"")
				.contains("\"openTunnels\":2");
			StickyGateway.Answer drain = post(one, "/actuator/backends",
					"{\"instance\":\"" + instance + "\",\"draining\":true,\"graceSeconds\":1}");
			assertThat(drain.status()).isEqualTo(200);
			for (int i = 0; i < 4; i++) {
				// New sessions avoid it at once; the open tunnels stay for the grace
				// period.
				assertThat(one.get("/drain/whoami", null).body()).isEqualTo(kept.name);
			}
			// The other gateway follows through Redis within drain-sync-interval (1s).
			StickyGateway.await("the other gateway avoids the drained instance", LIMIT,
					() -> two.get("/drain/whoami", null).body().equals(kept.name)
							&& two.get("/drain/whoami", null).body().equals(kept.name));
			for (int i = 0; i < clients.size(); i++) {
				WsClient client = clients.get(i);
				if (names.get(i).equals(drained.name)) {
					WebSocketCloseStatus status = client.awaitClose();
					assertThat(status.code()).isEqualTo(1001);
					assertThat(status.reasonText()).isEqualTo("backend draining");
					assertThat(via.get(i).ws("/drain/ws/whoami", cookies.get(i)).body()).isEqualTo(kept.name);
				}
				else {
					assertThat(client.isOpen()).isTrue();
				}
			}
			assertThat(two.get("/actuator/backends", null).body()).contains("\"draining\":true");
			post(one, "/actuator/backends", "{\"instance\":\"" + instance + "\",\"draining\":false}");
			StickyGateway.await("the other gateway ends the drain too", LIMIT,
					() -> !two.get("/actuator/backends", null).body().contains("\"draining\":true"));
		}
		finally {
			clients.forEach(WsClient::close);
		}
	}

	static StickyGateway.Answer post(StickyGateway gateway, String path, String json) {
		return WsClient.client()
			.headers((headers) -> headers.set("Content-Type", "application/json"))
			.post()
			.uri(gateway.url("http", path))
			.send(ByteBufFlux.fromString(Mono.just(json)))
			.responseSingle((response, body) -> body.asString()
				.defaultIfEmpty("")
				.map((text) -> new StickyGateway.Answer(response.status().code(), text, List.of())))
			.block(WsClient.TIMEOUT);
	}

	static void awaitNoTunnels(StickyGateway gateway) throws InterruptedException {
		TunnelRegistry registry = gateway.bean(TunnelRegistry.class);
		StickyGateway.await("no open tunnels", LIMIT, () -> registry.openCount() == 0);
	}

	static int[] ports(List<TestBackend> backends) {
		return backends.stream().mapToInt(TestBackend::port).toArray();
	}

}
