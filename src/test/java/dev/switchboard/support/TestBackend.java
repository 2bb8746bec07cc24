package dev.switchboard.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.Unpooled;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.GlobalEventExecutor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A real WebSocket and HTTP backend on a random port, built on Reactor Netty. Paths:
 * <ul>
 * <li>{@code /ws}: echoes every frame; a text message {@code close:CODE:REASON} makes it
 * close with that code and reason, {@code many:COUNT:SIZE} answer with that many text
 * messages of that many bytes at once; it records the close status the client sent. A GET
 * that is not a handshake gets 400.</li>
 * <li>{@code /ws/cookie}: like {@code /ws}, and sets a cookie on the 101.</li>
 * <li>{@code /ws/proto}: like {@code /ws}, choosing subprotocol {@code chat.v2} when
 * offered.</li>
 * <li>{@code /ws/compressed}: like {@code /ws}, negotiating permessage-deflate.</li>
 * <li>{@code /reject/CODE}: refuses the handshake with that status, a body and auth/retry
 * headers.</li>
 * <li>{@code /http/...}: plain HTTP, answers with the request headers it saw.</li>
 * <li>{@code /switch}: answers 101 to anything (a misbehaving backend).</li>
 * <li>{@code /whoami}: plain HTTP, answers with the backend's name; with {@code setio} in
 * the query it also sets cookie {@code io} to a new value, as a Socket.IO server
 * does.</li>
 * <li>{@code /ws/whoami}: sends the backend's name right after the 101, then echoes like
 * {@code /ws}.</li>
 * </ul>
 * Every request's headers are queued in {@link #requests}, every close status a client
 * sent in {@link #closes} ({@link #floodCloses} for {@code /ws/flood}).
 */
public final class TestBackend implements AutoCloseable {

	public final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();

	public final BlockingQueue<WebSocketCloseStatus> closes = new LinkedBlockingQueue<>();

	/**
	 * Close statuses received on {@code /ws/flood}, apart from {@link #closes}: a flood's
	 * close arrives late and would stand in the queue of the next test.
	 */
	public final BlockingQueue<WebSocketCloseStatus> floodCloses = new LinkedBlockingQueue<>();

	private final DisposableServer server;

	private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

	/**
	 * What {@code /whoami} and {@code /ws/whoami} answer, to tell several backends apart.
	 */
	public final String name;

	public TestBackend() {
		this(false);
	}

	/**
	 * @param name what {@code /whoami} and {@code /ws/whoami} answer
	 */
	public TestBackend(String name) {
		this(false, name, 0);
	}

	/**
	 * @param tls serve TLS (wss://, https://) with the test certificate in
	 * src/test/resources/tls
	 */
	public TestBackend(boolean tls) {
		this(tls, "backend", 0);
	}

	/**
	 * A backend on a fixed port, to be restarted where it was (fault tests).
	 * @param name what {@code /whoami} and {@code /ws/whoami} answer
	 * @param port the port, or 0 for any free one
	 */
	public TestBackend(String name, int port) {
		this(false, name, port);
	}

	private TestBackend(boolean tls, String name, int port) {
		this.name = name;
		HttpServer base = HttpServer.create().runOn(TestLoops.LOOPS);
		if (tls) {
			base = base.secure((spec) -> spec
				.sslContext(Http11SslContextSpec.forServer(TestTls.certificate(), TestTls.privateKey())));
		}
		this.server = base.doOnConnection((connection) -> this.connections.add(connection.channel()))
			.host("127.0.0.1")
			.port(port)
			.route((routes) -> routes
				// A GET that is not a handshake gets 400 (Reactor Netty would drop
				// the connection and log at ERROR).
				.get("/ws", (req, res) -> record(req, isHandshake(req)
						? res.sendWebsocket(this::echo, spec(null, false))
						: res.status(HttpResponseStatus.BAD_REQUEST).sendString(Mono.just("not a handshake")).then()))
				.get("/ws/cookie",
						(req, res) -> record(req,
								res.header("Set-Cookie", "backend=b1; Path=/")
									.sendWebsocket(this::echo, spec(null, false))))
				.get("/ws/greet", (req, res) -> record(req, res.sendWebsocket((in, out) -> {
					in.receiveCloseStatus().subscribe(this.closes::add);
					// Speaks first, right after the 101: these bytes may share a packet
					// with it.
					return out.sendString(Mono.just("welcome"))
						.then(out.sendObject(in.receiveFrames().map(WebSocketFrame::retain)).then());
				}, spec(null, false))))
				.get("/ws/whoami", (req, res) -> record(req, res.sendWebsocket((in, out) -> {
					in.receiveCloseStatus().subscribe(this.closes::add);
					return out.sendString(Mono.just(name))
						.then(out.sendObject(in.receiveFrames().map(WebSocketFrame::retain)).then());
				}, spec(null, false))))
				.route((req) -> req.uri().startsWith("/whoami"), (req, res) -> {
					record(req);
					if (req.uri().contains("setio")) {
						res.header("Set-Cookie", "io=" + name + "-" + UUID.randomUUID() + "; Path=/; HttpOnly");
					}
					return res.header("Content-Type", "text/plain").sendString(Mono.just(name)).then();
				})
				.get("/ws/frames", (req, res) -> record(req, res.sendWebsocket(this::echoFrames, spec(null, false))))
				.get("/ws/flood", (req, res) -> {
					record(req);
					long total = Long.parseLong(req.uri().replaceAll(".*bytes=(\\d+).*", "$1"));
					return res.sendWebsocket((in, out) -> {
						in.receiveCloseStatus().subscribe(this.floodCloses::add);
						return flood(out, total);
					}, spec(null, false));
				})
				.get("/ws/proto", (req, res) -> record(req, res.sendWebsocket(this::echo, spec("chat.v2", false))))
				.get("/ws/compressed", (req, res) -> record(req, res.sendWebsocket(this::echo, spec(null, true))))
				.get("/reject/{code}", (req, res) -> {
					record(req);
					int code = Integer.parseInt(req.param("code"));
					return res.status(HttpResponseStatus.valueOf(code))
						.header("WWW-Authenticate", "Bearer realm=\"switchboard-test\"")
						.header("Retry-After", "7")
						.header("Content-Type", "text/plain")
						.sendString(Mono.just("refused with " + code))
						.then();
				})
				.get("/switch", (req, res) -> {
					record(req);
					return res.status(HttpResponseStatus.SWITCHING_PROTOCOLS).header("Upgrade", "websocket").send();
				})
				.get("/slow", (req, res) -> {
					record(req);
					return res.sendString(Mono.delay(Duration.ofSeconds(2)).thenReturn("finally")).then();
				})
				.route((req) -> req.uri().startsWith("/http"), (req, res) -> {
					record(req);
					StringBuilder body = new StringBuilder();
					req.requestHeaders()
						.forEach((e) -> body.append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
					return res.header("Content-Type", "text/plain").sendString(Mono.just(body.toString())).then();
				}))
			.bindNow(Duration.ofSeconds(10));
	}

	private static boolean isHandshake(HttpServerRequest request) {
		return request.requestHeaders().containsValue("Upgrade", "websocket", true);
	}

	private static WebsocketServerSpec spec(String protocol, boolean compress) {
		WebsocketServerSpec.Builder builder = WebsocketServerSpec.builder()
			.maxFramePayloadLength(64 * 1024 * 1024)
			.handlePing(false)
			.compress(compress);
		if (protocol != null) {
			builder.protocols(protocol);
		}
		return builder.build();
	}

	private Mono<Void> record(HttpServerRequest request, Mono<Void> then) {
		record(request);
		return then;
	}

	private void record(HttpServerRequest request) {
		this.requests.add(new Request(request.method().name(), request.uri(), request.version().text(),
				request.requestHeaders().copy()));
	}

	/**
	 * The next request the backend received whose URI starts with {@code uriPrefix},
	 * skipping earlier ones; waits at most ten seconds.
	 */
	public Request awaitRequest(String uriPrefix) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (true) {
			Request request = this.requests.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			if (request == null) {
				throw new AssertionError("the backend received no request for " + uriPrefix);
			}
			if (request.uri().startsWith(uriPrefix)) {
				return request;
			}
		}
	}

	/**
	 * The next close the backend received with {@code code} (and {@code reason}, unless
	 * null) within {@code bound}, skipping others: a test class's tests share the
	 * backend, and the closes of an earlier test's tunnels may still arrive.
	 */
	public WebSocketCloseStatus awaitClose(int code, String reason, Duration bound) throws InterruptedException {
		long deadline = System.nanoTime() + bound.toNanos();
		List<String> skipped = new ArrayList<>();
		while (true) {
			WebSocketCloseStatus status = this.closes.poll(Math.max(1, deadline - System.nanoTime()),
					TimeUnit.NANOSECONDS);
			if (status == null) {
				throw new AssertionError("the backend received no close " + code + " within " + bound
						+ ((reason != null) ? " \"" + reason + "\"" : "") + " (skipped: " + skipped + ")");
			}
			if (status.code() == code && (reason == null || reason.equals(status.reasonText()))) {
				return status;
			}
			skipped.add(status.code() + " \"" + status.reasonText() + "\"");
		}
	}

	private Mono<Void> echo(WebsocketInbound in, WebsocketOutbound out) {
		in.receiveCloseStatus().subscribe(this.closes::add);
		return out.sendObject(in.aggregateFrames(64 * 1024 * 1024).receiveFrames().concatMap((frame) -> {
			if (frame instanceof PingWebSocketFrame) {
				return Mono.empty();
			}
			String text = (frame.isFinalFragment() && frame instanceof TextWebSocketFrame t) ? t.text() : null;
			if ("drop".equals(text)) {
				// The TCP connection dies with no close frame, as when a backend process
				// crashes.
				in.withConnection((connection) -> connection.channel().close());
				return Mono.empty();
			}
			if (text != null && text.startsWith("big:")) {
				return Mono.just(new BinaryWebSocketFrame(
						Unpooled.wrappedBuffer(new byte[Integer.parseInt(text.substring(4))])));
			}
			if (text != null && text.startsWith("many:")) {
				String[] parts = text.split(":", 3);
				String message = "x".repeat(Integer.parseInt(parts[2]));
				return Flux.range(0, Integer.parseInt(parts[1])).map((i) -> new TextWebSocketFrame(message));
			}
			if (text != null && text.startsWith("close:")) {
				String[] parts = text.split(":", 3);
				return Mono.just(new CloseWebSocketFrame(Integer.parseInt(parts[1]), parts[2]));
			}
			return Mono.just(frame.retain());
		}, 0).takeUntil(CloseWebSocketFrame.class::isInstance)).then();
	}

	/**
	 * Echoes each frame as it arrives, fragments included, without waiting for whole
	 * messages.
	 */
	private Mono<Void> echoFrames(WebsocketInbound in, WebsocketOutbound out) {
		in.receiveCloseStatus().subscribe(this.closes::add);
		return out.sendObject(in.receiveFrames().map(WebSocketFrame::retain), (frame) -> true).then();
	}

	/**
	 * Bytes handed to the flood sender so far: it stalls when the reader does not read.
	 */
	public final AtomicLong flooded = new AtomicLong();

	private Mono<Void> flood(WebsocketOutbound out, long total) {
		int chunk = 64 * 1024;
		return out.sendObject(Flux.range(0, (int) (total / chunk)).map((i) -> {
			this.flooded.addAndGet(chunk);
			return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[chunk]));
		})).then();
	}

	public int port() {
		return this.server.port();
	}

	public String wsUri(String path) {
		return "ws://127.0.0.1:" + port() + path;
	}

	/**
	 * Stops as a crashed process would: no new connections, and every open one
	 * (keep-alive too) dropped.
	 */
	public void kill() {
		this.server.disposeNow(Duration.ofSeconds(5));
		this.connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
	}

	@Override
	public void close() {
		this.server.disposeNow(Duration.ofSeconds(5));
	}

	/** A request as the backend received it. */
	public record Request(String method, String uri, String version, HttpHeaders headers) {
	}

}
