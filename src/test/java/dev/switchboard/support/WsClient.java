package dev.switchboard.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * A real WebSocket client (Reactor Netty) for tests: every frame it receives is copied
 * into {@link #frames}; the close status it received completes {@link #closeStatus}. All
 * waits are bounded.
 */
public final class WsClient implements AutoCloseable {

	public static final Duration TIMEOUT = Duration.ofSeconds(10);

	public final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();

	public final CompletableFuture<WebSocketCloseStatus> closeStatus = new CompletableFuture<>();

	private final Connection connection;

	private WsClient(Connection connection) {
		this.connection = connection;
		WebsocketInbound in = (WebsocketInbound) connection;
		in.receiveCloseStatus().subscribe(this.closeStatus::complete);
		in.receiveFrames().subscribe((frame) -> {
			byte[] bytes = new byte[frame.content().readableBytes()];
			frame.content().getBytes(frame.content().readerIndex(), bytes);
			this.frames.add(new Frame(type(frame), frame.isFinalFragment(), bytes));
		});
	}

	public static WsClient connect(String url) {
		return connect(url, (headers) -> {
		});
	}

	public static WsClient connect(String url, Consumer<HttpHeaders> headers, String... protocols) {
		WebsocketClientSpec.Builder spec = WebsocketClientSpec.builder()
			.maxFramePayloadLength(64 * 1024 * 1024)
			// Pongs answered automatically, as browsers do; pings still show up in
			// frames.
			.handlePing(false);
		if (protocols.length > 0) {
			spec.protocols(String.join(",", protocols));
		}
		return connect(client().headers(headers), url, spec.build());
	}

	/** An HTTP client on the tests' own event loops, one fresh connection per use. */
	public static HttpClient client() {
		return HttpClient.newConnection().runOn(TestLoops.LOOPS);
	}

	public static WsClient connect(HttpClient client, String url, WebsocketClientSpec spec) {
		Connection connection = client.websocket(spec).uri(url).connect().block(TIMEOUT);
		return new WsClient(connection);
	}

	public HttpHeaders handshakeHeaders() {
		return ((HttpClientResponse) this.connection).responseHeaders();
	}

	public String selectedSubprotocol() {
		return ((WebsocketInbound) this.connection).selectedSubprotocol();
	}

	public WsClient sendText(String text) {
		return send(new TextWebSocketFrame(text));
	}

	public WsClient sendBinary(byte[] bytes) {
		return send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
	}

	public WsClient send(WebSocketFrame frame) {
		((WebsocketOutbound) this.connection).sendObject(Mono.just(frame)).then().block(TIMEOUT);
		return this;
	}

	public void sendClose(int code, String reason) {
		((WebsocketOutbound) this.connection).sendClose(code, reason).block(TIMEOUT);
	}

	/** The next frame received, waiting at most {@link #TIMEOUT}. */
	public Frame next() throws InterruptedException {
		Frame frame = this.frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		if (frame == null) {
			throw new AssertionError("no frame received within " + TIMEOUT);
		}
		return frame;
	}

	public String nextText() throws InterruptedException {
		return next().text();
	}

	public WebSocketCloseStatus awaitClose() throws Exception {
		return this.closeStatus.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** Drops the TCP connection without a close frame. */
	public void abort() {
		this.connection.channel().close();
	}

	public boolean isOpen() {
		return this.connection.channel().isActive();
	}

	@Override
	public void close() {
		this.connection.dispose();
	}

	private static String type(WebSocketFrame frame) {
		if (frame instanceof TextWebSocketFrame) {
			return "text";
		}
		if (frame instanceof BinaryWebSocketFrame) {
			return "binary";
		}
		if (frame instanceof ContinuationWebSocketFrame) {
			return "continuation";
		}
		if (frame instanceof PingWebSocketFrame) {
			return "ping";
		}
		if (frame instanceof PongWebSocketFrame) {
			return "pong";
		}
		return frame.getClass().getSimpleName();
	}

	/** A received frame, copied out of Netty's buffers. */
	public record Frame(String type, boolean fin, byte[] bytes) {

		public String text() {
			return new String(this.bytes, StandardCharsets.UTF_8);
		}

	}

}
