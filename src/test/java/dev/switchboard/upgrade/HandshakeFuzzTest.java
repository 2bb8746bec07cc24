package dev.switchboard.upgrade;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.RawWebSocket;
import dev.switchboard.support.WsClient;
import dev.switchboard.upgrade.RandomHandshakes.Case;
import dev.switchboard.upgrade.RandomHandshakes.Mutation;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mutated handshake heads from a seeded generator ({@link RandomHandshakes}), each on a
 * connection of its own, a few at a time. Every case ends within {@link #BOUND} in an
 * answer its mutations allow (a 4xx, or a 101 whose tunnel echoes or ends with a close
 * frame), or, only for a head that never ends, in a close by the client header timeout (1
 * s here). Nothing is logged at ERROR, no buffer leaks (paranoid detection, see
 * LeakCheckExtension), a client beside the fuzzer loses nothing, and the gateway still
 * serves afterwards. Sized for CI ({@code -Dfuzz.cases}, default 300;
 * {@code -Dfuzz.seed}; {@code -Dfuzz.case} replays one case; {@code -Dfuzz.parallel});
 * bench/fuzz.sh runs it longer. Not covered: a plain HTTP request announcing a body it
 * never sends waits for it without a bound (no request read timeout).
 */
@ExtendWith(OutputCaptureExtension.class)
class HandshakeFuzzTest extends GatewayTest {

	private static final Log logger = LogFactory.getLog(HandshakeFuzzTest.class);

	static final long SEED = Long.getLong("fuzz.seed", 20261214L);

	static final int CASES = Integer.getInteger("fuzz.cases", 300);

	static final Integer ONLY = Integer.getInteger("fuzz.case");

	static final int PARALLEL = Integer.getInteger("fuzz.parallel", 4);

	static final Duration BOUND = Duration.ofSeconds(10);

	/** The client header timeout of GatewayTest: a cut head is closed after it. */
	static final Duration HEADER_TIMEOUT = Duration.ofSeconds(1);

	private static final Pattern STATUS = Pattern.compile("HTTP/\\d\\.\\d (\\d{3}) ");

	@Test
	void everyMutatedHandshakeEndsInAnAllowedAnswerAndHarmsNobodyElse(CapturedOutput output) throws Exception {
		List<Integer> indexes = new ArrayList<>();
		for (int i = 0; i < CASES; i++) {
			if (ONLY == null || ONLY == i) {
				indexes.add(i);
			}
		}
		ExecutorService workers = Executors.newFixedThreadPool(PARALLEL);
		long start = System.nanoTime();
		List<Outcome> outcomes = new ArrayList<>();
		int echoes = 0;
		try (WsClient bystander = WsClient.connect(ws("/ws?bystander"))) {
			List<Future<Outcome>> futures = new ArrayList<>();
			for (int index : indexes) {
				futures.add(workers.submit(() -> run(RandomHandshakes.of(SEED, index))));
			}
			while (!futures.stream().allMatch(Future::isDone)) {
				bystander.sendText("seq " + echoes);
				assertThat(bystander.nextText()).as("the client beside the fuzzer").isEqualTo("seq " + echoes);
				echoes++;
			}
			for (Future<Outcome> future : futures) {
				outcomes.add(future.get());
			}
			assertThat(bystander.closeStatus).as("the client beside the fuzzer was not closed").isNotDone();
		}
		finally {
			workers.shutdownNow();
		}
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		logger.info(summary(outcomes, millis, echoes));
		logger.info("Handshake fuzz by mutation: " + byMutation(outcomes));
		List<String> failures = outcomes.stream().filter((o) -> o.failure != null).map(Outcome::describe).toList();
		assertThat(failures).as("failing cases (seed %d)", SEED).isEmpty();
		assertThat(output.getOut()).as("nothing logged at ERROR").doesNotContain(" ERROR ");
		stillServes();
	}

	private Outcome run(Case fuzz) {
		long start = System.nanoTime();
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.socket().setSoTimeout((int) BOUND.toMillis());
			try {
				raw.send(fuzz.bytes());
			}
			catch (IOException ex) {
				// Closed while sending (a refused oversized head): an answer may still
				// have arrived.
			}
			String head;
			try {
				head = raw.readHead();
			}
			catch (SocketTimeoutException ex) {
				return new Outcome(fuzz, -1, null, "neither an answer nor a close within " + BOUND);
			}
			catch (IOException ex) {
				head = null;
			}
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			int status;
			if (head == null) {
				status = RandomHandshakes.RESET;
			}
			else if (head.isEmpty()) {
				status = RandomHandshakes.CLOSED;
			}
			else {
				Matcher matcher = STATUS.matcher(head);
				if (!matcher.lookingAt()) {
					return new Outcome(fuzz, -1, null, "not an HTTP answer: " + RandomHandshakes.escape(head));
				}
				status = Integer.parseInt(matcher.group(1));
			}
			if (!fuzz.allowed().contains(status)) {
				return new Outcome(fuzz, status, null, "answer " + status + " not among " + fuzz.allowed());
			}
			if (status == RandomHandshakes.CLOSED && took.compareTo(HEADER_TIMEOUT.minusMillis(100)) < 0) {
				return new Outcome(fuzz, status, null,
						"closed without an answer after " + took.toMillis() + " ms, before the client header timeout");
			}
			String tunnel = null;
			if (status == 101) {
				tunnel = tunnel(RawWebSocket.over(raw), fuzz);
				if (tunnel.startsWith("no close")) {
					return new Outcome(fuzz, status, tunnel, tunnel);
				}
			}
			took = Duration.ofNanos(System.nanoTime() - start);
			if (took.compareTo(BOUND) > 0) {
				return new Outcome(fuzz, status, tunnel, "took " + took.toMillis() + " ms");
			}
			return new Outcome(fuzz, status, tunnel, null);
		}
		catch (IOException | RuntimeException ex) {
			return new Outcome(fuzz, -1, null, ex.toString());
		}
	}

	/**
	 * A message and a close through a tunnel the gateway opened: "echoed" when the
	 * message came back before the close frame, "closed CODE" when the gateway closed
	 * first.
	 */
	private String tunnel(RawWebSocket socket, Case fuzz) throws IOException {
		String text = "fuzz " + fuzz.index();
		socket.send(RawWebSocket.clientFrame(true, 0x1, text.getBytes(StandardCharsets.UTF_8)));
		socket.send(RawWebSocket.clientFrame(true, 0x8, RawWebSocket.closePayload(1000, "done")));
		boolean echoed = false;
		RawWebSocket.Frame frame = socket.next();
		while (frame != null && frame.opcode() != 0x8) {
			echoed |= frame.opcode() == 0x1 && text.equals(new String(frame.payload(), StandardCharsets.UTF_8));
			frame = socket.next();
		}
		if (frame == null) {
			return "no close frame: the tunnel ended without one";
		}
		return echoed ? "echoed" : "closed " + frame.closeCode();
	}

	private void stillServes() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws?after-fuzz"))) {
			client.sendText("still here");
			assertThat(client.nextText()).isEqualTo("still here");
		}
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send("GET /http/after-fuzz HTTP/1.1\r\nHost: localhost\r\n\r\n");
			assertThat(raw.readHead()).startsWith("HTTP/1.1 200 ");
		}
	}

	private static String summary(List<Outcome> outcomes, long millis, int echoes) {
		Map<String, Integer> statuses = new TreeMap<>();
		Map<String, Integer> tunnels = new TreeMap<>();
		int closed = 0;
		int reset = 0;
		int failed = 0;
		for (Outcome outcome : outcomes) {
			if (outcome.failure != null) {
				failed++;
			}
			if (outcome.status == RandomHandshakes.CLOSED) {
				closed++;
			}
			else if (outcome.status == RandomHandshakes.RESET) {
				reset++;
			}
			else if (outcome.status > 0) {
				statuses.merge(String.valueOf(outcome.status), 1, Integer::sum);
			}
			if (outcome.tunnel != null) {
				tunnels.merge(outcome.tunnel, 1, Integer::sum);
			}
		}
		return "Handshake fuzz (seed " + SEED + "): " + outcomes.size() + " cases in " + millis + " ms; statuses "
				+ statuses + "; 101 tunnels " + tunnels + "; closed without an answer (cut heads) " + closed
				+ "; reset before the answer was read (oversized heads) " + reset + "; failed " + failed
				+ "; bystander echoes " + echoes;
	}

	private static Map<Mutation, Map<Integer, Integer>> byMutation(List<Outcome> outcomes) {
		Map<Mutation, Map<Integer, Integer>> counts = new TreeMap<>();
		for (Outcome outcome : outcomes) {
			for (Mutation mutation : outcome.fuzz.mutations()) {
				counts.computeIfAbsent(mutation, (m) -> new TreeMap<>()).merge(outcome.status, 1, Integer::sum);
			}
		}
		return counts;
	}

	/** How one case ended; {@code failure} is null when as allowed. */
	record Outcome(Case fuzz, int status, String tunnel, String failure) {

		String describe() {
			return "case " + this.fuzz.index() + " (replay: -Dfuzz.seed=" + SEED + " -Dfuzz.case=" + this.fuzz.index()
					+ "): " + this.failure + "\n  mutations: " + this.fuzz.notes() + "\n  sent: "
					+ this.fuzz.printable();
		}

	}

}
