package dev.switchboard.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.embedded.RedisServer;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.BackendMain;
import dev.switchboard.support.ChildJvm;
import dev.switchboard.support.EmbeddedRedis;
import dev.switchboard.support.Ports;
import dev.switchboard.support.RawWebSocket;
import dev.switchboard.support.RawWebSocket.Frame;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What happens to a gateway when things around it fail, with real processes: two backends
 * and a gateway replica run as processes of their own (killed with SIGKILL, stopped with
 * SIGTERM), one replica in this JVM, one real Redis (killed with SIGKILL, restarted
 * empty). Sized for CI (seconds); bench/faults.sh runs the same scenarios larger
 * ({@code -Dfaults.tunnels}, {@code -Dfaults.cases}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsTest {

	private static final Log logger = LogFactory.getLog(FaultsTest.class);

	static final String SECRET = "faults-secret-faults-secret-faults-0123";

	static final String COOKIE = "SWITCHBOARD_STICKY";

	static final int TUNNELS = Integer.getInteger("faults.tunnels", 20);

	static final int CASES = Integer.getInteger("faults.cases", 100);

	static final Duration BOUND = Duration.ofSeconds(20);

	static int redisPort;

	static RedisServer redis;

	static final Map<String, Integer> backendPorts = new HashMap<>();

	static final Map<String, ChildJvm> backends = new HashMap<>();

	static int childPort;

	static ChildJvm child;

	static Gateway local;

	@BeforeAll
	static void start() throws Exception {
		redisPort = Ports.free();
		redis = EmbeddedRedis.start(redisPort);
		for (String name : List.of("a", "b")) {
			backendPorts.put(name, Ports.free());
			startBackend(name);
		}
		childPort = Ports.free();
		child = startChildGateway();
		local = Gateway.inThisJvm(args(0));
	}

	@AfterAll
	static void stop() throws Exception {
		if (local != null) {
			local.close();
		}
		if (child != null) {
			child.close();
		}
		for (ChildJvm backend : backends.values()) {
			backend.close();
		}
		if (redis != null) {
			redis.stop();
		}
	}

	@Test
	@Order(1)
	void aBackendKilledWithSigkillGivesItsClients1011AndTheOthersNothing() throws Exception {
		List<WsClient> clients = new ArrayList<>();
		Map<WsClient, String> where = new HashMap<>();
		try {
			for (int i = 0; i < TUNNELS; i++) {
				WsClient client = WsClient.connect(local.ws("/chat/ws/whoami"));
				clients.add(client);
				where.put(client, client.nextText());
			}
			assertThat(where.values()).contains("a", "b");
			long killed = System.nanoTime();
			backends.get("a").kill();
			for (WsClient client : clients) {
				if (where.get(client).equals("a")) {
					WebSocketCloseStatus status = client.awaitClose();
					assertThat(status.code()).as("a real close frame, never 1006").isEqualTo(1011);
				}
			}
			logger.info("Clients of the killed backend got 1011 within "
					+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed) + " ms");
			for (WsClient client : clients) {
				if (where.get(client).equals("b")) {
					client.sendText("still here");
					assertThat(client.nextText()).isEqualTo("still here");
				}
			}
		}
		finally {
			clients.forEach(WsClient::close);
			startBackend("a");
		}
	}

	@Test
	@Order(2)
	void redisKilledWithSigkillAndRestartedEmptyMovesNoSession() throws Exception {
		Map<String, String> sessions = new HashMap<>();
		for (int i = 0; i < TUNNELS; i++) {
			Gateway.Answer answer = local.session(null);
			sessions.put(answer.cookie(), answer.body());
		}
		EmbeddedRedis.kill(redisPort);
		for (Map.Entry<String, String> session : sessions.entrySet()) {
			assertThat(local.session(session.getKey()).body()).isEqualTo(session.getValue());
			assertThat(Gateway.session(childPort, session.getKey()).body()).isEqualTo(session.getValue());
		}
		redis = EmbeddedRedis.start(redisPort);
		for (Map.Entry<String, String> session : sessions.entrySet()) {
			assertThat(local.session(session.getKey()).body()).isEqualTo(session.getValue());
		}
	}

	@Test
	@Order(3)
	void aReplicaStoppedWithSigtermClosesEveryTunnelWithACloseFrameAndExits() throws Exception {
		List<WsClient> clients = new ArrayList<>();
		try {
			for (int i = 0; i < TUNNELS; i++) {
				WsClient client = WsClient.connect("ws://127.0.0.1:" + childPort + "/chat/ws/whoami");
				client.nextText();
				clients.add(client);
			}
			long terminated = System.nanoTime();
			child.terminate();
			for (WsClient client : clients) {
				assertThat(client.awaitClose().code()).as("a real close frame, never 1006").isEqualTo(1012);
			}
			assertThat(child.awaitExit(BOUND)).as("the replica exits").isTrue();
			logger.info(TUNNELS + " tunnels closed and the replica exited within "
					+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - terminated) + " ms of SIGTERM");
		}
		finally {
			clients.forEach(WsClient::close);
			child = startChildGateway();
		}
	}

	/**
	 * Random frame strings from a seeded generator, each on a connection of its own:
	 * every one ends in a close frame (the gateway's own, or the close handshake a usable
	 * connection ends with) within the bound (the frame timeout here is 500 ms), nothing
	 * is logged at ERROR, and a well-behaved client beside them loses nothing.
	 */
	@Test
	@Order(4)
	@ExtendWith(OutputCaptureExtension.class)
	void randomFramesAlwaysEndInACloseFrameAndHarmNobodyElse(CapturedOutput output) throws Exception {
		long seed = Long.getLong("faults.seed", 20261201L);
		Random random = new Random(seed);
		try (WsClient bystander = WsClient.connect(local.ws("/chat/ws"))) {
			int refused = 0;
			int relayed = 0;
			for (int i = 0; i < CASES; i++) {
				byte[] garbage = RandomFrames.next(random);
				try (RawWebSocket client = RawWebSocket.connect(local.port, "/chat/ws")) {
					long start = System.nanoTime();
					client.send(garbage);
					// Then a proper close: a case that left the connection usable ends
					// with the close
					// handshake, one that did not with the gateway's own close.
					client.send(RawWebSocket.clientFrame(true, 0x8, RawWebSocket.closePayload(1000, "done")));
					Frame close = client.nextClose();
					assertThat(close).as("case %d (seed %d): a close frame, not a silent drop", i, seed).isNotNull();
					assertThat(Duration.ofNanos(System.nanoTime() - start)).as("case %d (seed %d)", i, seed)
						.isLessThan(Duration.ofSeconds(5));
					if (close.closeCode() == 1002 || close.closeCode() == 1008 || close.closeCode() == 1009) {
						refused++;
					}
					else {
						relayed++;
					}
				}
				bystander.sendText("seq " + i);
				assertThat(bystander.nextText()).isEqualTo("seq " + i);
			}
			assertThat(output.getOut()).as("nothing logged at ERROR").doesNotContain(" ERROR ");
			logger.info(CASES + " random frame strings (seed " + seed + "): " + refused
					+ " refused by the gateway (1002, 1008, 1009), " + relayed + " relayed to the backend");
		}
	}

	static void startBackend(String name) throws Exception {
		ChildJvm backend = ChildJvm.start("backend-" + name, BackendMain.class, List.of(),
				List.of(name, String.valueOf(backendPorts.get(name))));
		backend.awaitLine("BACKEND READY", BOUND);
		backends.put(name, backend);
	}

	static ChildJvm startChildGateway() throws Exception {
		ChildJvm gateway = ChildJvm.start("gateway", SwitchboardApplication.class, List.of(), args(childPort));
		gateway.awaitLine("Started SwitchboardApplication", Duration.ofSeconds(60));
		return gateway;
	}

	static List<String> args(int port) {
		List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--management.server.port=0",
				"--spring.data.redis.host=127.0.0.1", "--spring.data.redis.port=" + redisPort,
				"--switchboard.sticky.secret=" + SECRET, "--switchboard.frame-timeout=500ms",
				"--switchboard.close-timeout=2s", "--spring.lifecycle.timeout-per-shutdown-phase=5s"));
		String route = "--spring.cloud.gateway.server.webflux.routes[0]";
		args.addAll(List.of(route + ".id=chat", route + ".uri=lb://chat", route + ".predicates[0]=Path=/chat/**",
				route + ".filters[0]=StripPrefix=1", route + ".metadata.switchboard.sticky.enabled=true"));
		int i = 0;
		for (String name : List.of("a", "b")) {
			args.add("--spring.cloud.discovery.client.simple.instances.chat[" + i++ + "].uri=http://127.0.0.1:"
					+ backendPorts.get(name));
		}
		return args;
	}

}
