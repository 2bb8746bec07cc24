package dev.switchboard.support;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the end-to-end tests: the real gateway on a random port, routed to a real
 * backend and to ports that misbehave. Test classes extending it share one application
 * context.
 *
 * <table>
 * <tr>
 * <td>/ws/**, /reject/**, /http/**, /switch</td>
 * <td>the test backend, over an {@code http://} URI, adding response header
 * {@code X-Served-By: switchboard}</td>
 * </tr>
 * <tr>
 * <td>/spelled/**</td>
 * <td>the backend, forwarding {@code Upgrade: WebSocket} /
 * {@code Connection: Upgrade}</td>
 * </tr>
 * <tr>
 * <td>/small/**</td>
 * <td>the backend with a 1 KiB message limit</td>
 * </tr>
 * <tr>
 * <td>/refused/**</td>
 * <td>a port nobody listens on</td>
 * </tr>
 * <tr>
 * <td>/silent/**</td>
 * <td>a port that accepts TCP and never answers (handshake timeout 500 ms)</td>
 * </tr>
 * <tr>
 * <td>/blackhole/**</td>
 * <td>a port that never answers SYN (connect timeout 500 ms)</td>
 * </tr>
 * <tr>
 * <td>/slow/**</td>
 * <td>the backend, with a 1 s slow-consumer timeout</td>
 * </tr>
 * <tr>
 * <td>/limited/**</td>
 * <td>the backend, at most 10 messages per second each way (burst 1 s)</td>
 * </tr>
 * <tr>
 * <td>/metered/**</td>
 * <td>the backend, at most 4 KiB per second each way (burst 1 s), messages up to 1
 * KiB</td>
 * </tr>
 * <tr>
 * <td>/roomy/**</td>
 * <td>the backend, queueing up to 64 MB for a side that does not read</td>
 * </tr>
 * <tr>
 * <td>/portless-ws/**, /portless-https/**</td>
 * <td>{@code ws://127.0.0.1} and {@code https://127.0.0.1}: URIs without a port (80 and
 * 443, where nothing listens in tests)</td>
 * </tr>
 * </table>
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "switchboard.client-header-timeout=1s", "switchboard.client-body-timeout=1s" })
public abstract class GatewayTest {

	protected static final TestBackend backend = new TestBackend();

	private static final int REFUSING;

	private static final int SILENT;

	private static final int BLACKHOLE;

	static {
		try {
			REFUSING = UnresponsivePorts.refusing();
			SILENT = UnresponsivePorts.silent();
			BLACKHOLE = UnresponsivePorts.blackhole();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@LocalServerPort
	protected int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		String base = "http://127.0.0.1:" + backend.port();
		Routes routes = new Routes(registry);
		routes.add("echo", base, "Path=/ws/**,/reject/**,/http/**,/switch")
			.filter("AddResponseHeader=X-Served-By, switchboard");
		routes.add("spelled", "ws://127.0.0.1:" + backend.port(), "Path=/spelled/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.upgrade-header-value", "WebSocket")
			.metadata("switchboard.connection-header-value", "Upgrade");
		routes.add("small", "ws://127.0.0.1:" + backend.port(), "Path=/small/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.max-message-size", "1KB");
		routes.add("refused", "ws://127.0.0.1:" + REFUSING, "Path=/refused/**");
		routes.add("silent", "ws://127.0.0.1:" + SILENT, "Path=/silent/**")
			.metadata("switchboard.handshake-timeout", "500ms");
		routes.add("blackhole", "ws://127.0.0.1:" + BLACKHOLE, "Path=/blackhole/**")
			.metadata("switchboard.connect-timeout", "500ms");
		routes.add("strict", "ws://127.0.0.1:" + backend.port(), "Path=/strict/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.frame-timeout", "500ms");
		routes.add("slow", "ws://127.0.0.1:" + backend.port(), "Path=/slow/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.slow-consumer-timeout", "1s");
		routes.add("limited", "ws://127.0.0.1:" + backend.port(), "Path=/limited/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.max-messages-per-second", "10");
		routes.add("metered", "ws://127.0.0.1:" + backend.port(), "Path=/metered/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.max-message-size", "1KB")
			.metadata("switchboard.max-bytes-per-second", "4KB");
		routes.add("roomy", "ws://127.0.0.1:" + backend.port(), "Path=/roomy/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.max-buffered-bytes", "64MB");
		routes.add("portless-ws", "ws://127.0.0.1", "Path=/portless-ws/**");
		routes.add("portless-https", "https://127.0.0.1", "Path=/portless-https/**");
	}

	protected String ws(String path) {
		return "ws://127.0.0.1:" + this.port + path;
	}

	protected String http(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}
