package dev.switchboard.upgrade;

import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.netty.http.HttpResources;

import dev.switchboard.InstanceKey;

/**
 * Opens the backend side of a WebSocket handshake: connects, sends the client's handshake
 * over HTTP/1.1 and returns the backend's whole answer, before the client is told
 * anything. The backend channel is registered on the client channel's event loop, so the
 * tunnel that follows runs on one thread with no hand-offs between the two sides.
 */
public class BackendConnector {

	/**
	 * Largest handshake answer read from a backend (a refusal with a body, typically).
	 */
	static final int MAX_ANSWER_BYTES = 1024 * 1024;

	static final String CODEC = "switchboard.backend.httpCodec";

	static final String AGGREGATOR = "switchboard.backend.httpAggregator";

	static final String ANSWER = "switchboard.backend.handshakeAnswer";

	private final SslContext sslContext;

	public BackendConnector(boolean trustAllCertificates) {
		try {
			SslContextBuilder builder = SslContextBuilder.forClient();
			if (trustAllCertificates) {
				builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
			}
			this.sslContext = builder.build();
		}
		catch (SSLException ex) {
			throw new IllegalStateException("Cannot set up TLS towards wss:// backends", ex);
		}
	}

	/**
	 * Connects to {@code backend} and sends the handshake.
	 * @param client the client's channel, whose event loop the backend channel joins
	 * @param backend the backend's URL (ws, wss, http or https)
	 * @param headers the headers to send, already mapped for the backend
	 * @return the backend's answer; errors are {@link BackendUnavailableException} (502)
	 * or {@link BackendTimeoutException} (504)
	 */
	public Mono<BackendAnswer> handshake(Channel client, URI backend, HttpHeaders headers, HandshakeSettings settings) {
		return Mono.create((sink) -> connect(client, backend, headers, settings, sink));
	}

	private void connect(Channel client, URI backend, HttpHeaders headers, HandshakeSettings settings,
			MonoSink<BackendAnswer> sink) {
		boolean secure = InstanceKey.isSecure(backend.getScheme());
		int port = (backend.getPort() > 0) ? backend.getPort() : (secure ? 443 : 80);
		String host = backend.getHost();
		Bootstrap bootstrap = new Bootstrap().group(client.eventLoop())
			.channel(HttpResources.get().onChannelClass(SocketChannel.class, client.eventLoop()))
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
					(int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
			.option(ChannelOption.TCP_NODELAY, true)
			.option(ChannelOption.ALLOCATOR, client.alloc())
			.option(ChannelOption.AUTO_READ, true)
			.handler(new ChannelInitializer<Channel>() {
				@Override
				protected void initChannel(Channel channel) {
					if (secure) {
						channel.pipeline()
							.addLast(BackendConnector.this.sslContext.newHandler(channel.alloc(), host, port));
					}
					channel.pipeline()
						.addLast(CODEC, new HttpClientCodec())
						.addLast(AGGREGATOR, new HttpObjectAggregator(MAX_ANSWER_BYTES))
						.addLast(ANSWER, new AnswerHandler(sink));
				}
			});
		ChannelFuture connected = bootstrap.connect(host, port);
		// The client left: close the connection once it exists. A connect that failed
		// has no channel to close (closing the placeholder of one that could not even be
		// created, e.g. out of file descriptors, throws).
		sink.onCancel(() -> connected.addListener((ChannelFuture future) -> {
			if (future.isSuccess()) {
				future.channel().close();
			}
		}));
		connected.addListener((ChannelFuture future) -> {
			if (!future.isSuccess()) {
				sink.error(connectFailure(backend, settings, future.cause()));
				return;
			}
			Channel channel = future.channel();
			AnswerHandler answer = (AnswerHandler) channel.pipeline().get(ANSWER);
			answer.startTimer(channel, backend, settings);
			String target = backend.getRawPath().isEmpty() ? "/" : backend.getRawPath();
			if (backend.getRawQuery() != null) {
				target = target + "?" + backend.getRawQuery();
			}
			channel.writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target,
					Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE));
		});
	}

	private static Throwable connectFailure(URI backend, HandshakeSettings settings, Throwable cause) {
		if (cause instanceof ConnectTimeoutException) {
			return new BackendTimeoutException("no TCP answer from " + InstanceKey.of(backend)
					+ " within connect-timeout " + settings.connectTimeout().toMillis() + "ms");
		}
		String why = (cause instanceof ConnectException) ? "connection refused" : String.valueOf(cause.getMessage());
		return new BackendUnavailableException("cannot connect to " + InstanceKey.of(backend) + ": " + why);
	}

	/**
	 * Hands the backend's connection over to a tunnel handler: bytes that arrived after
	 * the 101 and before the tunnel existed go to it first, then the HTTP handlers leave.
	 */
	public static void handOver(Channel backend, ChannelHandler tunnelHandler, String name) {
		ChannelPipeline pipeline = backend.pipeline();
		pipeline.addLast(name, tunnelHandler);
		AnswerHandler answer = (AnswerHandler) pipeline.get(ANSWER);
		answer.releaseEarlyBytes(pipeline.context(ANSWER));
		pipeline.remove(ANSWER);
		pipeline.remove(AGGREGATOR);
		pipeline.remove(CODEC);
	}

	/**
	 * Waits for the backend's whole answer to the handshake, within the handshake
	 * timeout. After a 101 it stops reading and keeps whatever bytes already came behind
	 * the 101 until the tunnel takes over.
	 */
	private static final class AnswerHandler extends ChannelInboundHandlerAdapter {

		private final MonoSink<BackendAnswer> sink;

		private final List<Object> early = new ArrayList<>(1);

		private ScheduledFuture<?> timer;

		private boolean done;

		AnswerHandler(MonoSink<BackendAnswer> sink) {
			this.sink = sink;
		}

		void startTimer(Channel channel, URI backend, HandshakeSettings settings) {
			this.timer = channel.eventLoop().schedule(() -> {
				fail(new BackendTimeoutException(InstanceKey.of(backend)
						+ " accepted the connection but did not answer the handshake within handshake-timeout "
						+ settings.handshakeTimeout().toMillis() + "ms"));
				channel.close();
			}, settings.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (!this.done && msg instanceof FullHttpResponse response) {
				this.done = true;
				cancelTimer();
				ctx.channel().config().setAutoRead(false);
				this.sink.success(new BackendAnswer(ctx.channel(), response));
			}
			else if (this.done && msg instanceof ByteBuf) {
				this.early.add(msg);
			}
			else {
				ReferenceCountUtil.release(msg);
			}
		}

		void releaseEarlyBytes(ChannelHandlerContext ctx) {
			for (Object bytes : this.early) {
				ctx.fireChannelRead(bytes);
			}
			this.early.clear();
		}

		@Override
		public void handlerRemoved(ChannelHandlerContext ctx) {
			this.early.forEach(ReferenceCountUtil::release);
			this.early.clear();
		}

		@Override
		public void channelInactive(ChannelHandlerContext ctx) {
			fail(new BackendUnavailableException("backend " + ctx.channel().remoteAddress()
					+ " closed the connection before answering the handshake"));
			ctx.fireChannelInactive();
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			fail(new BackendUnavailableException("backend " + ctx.channel().remoteAddress()
					+ " sent an unusable handshake answer: " + cause.getMessage()));
			ctx.close();
		}

		private void fail(Throwable error) {
			if (!this.done) {
				this.done = true;
				cancelTimer();
				this.sink.error(error);
			}
		}

		private void cancelTimer() {
			if (this.timer != null) {
				this.timer.cancel(false);
			}
		}

	}

}
