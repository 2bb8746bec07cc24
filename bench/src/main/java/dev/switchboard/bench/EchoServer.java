package dev.switchboard.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * WebSocket echo backend: accepts an upgrade on any path and echoes every text, binary
 * and continuation frame back unchanged (fragmented messages are echoed fragment by
 * fragment). Max frame payload 64 MiB. Plain HTTP requests get "200 ok" (health check).
 */
public final class EchoServer {

	static final int MAX_FRAME = 64 * 1024 * 1024;
	static final WebSocketDecoderConfig DECODER = WebSocketDecoderConfig.newBuilder()
		.maxFramePayloadLength(MAX_FRAME)
		.expectMaskedFrames(true)
		.allowMaskMismatch(false)
		.allowExtensions(false)
		.withUTF8Validator(false)
		.build();

	private EchoServer() {
	}

	public static void main(String[] args) throws Exception {
		Opts o = new Opts(args);
		int port = o.integer("port", 18080);
		String host = o.str("host", "127.0.0.1");
		int threads = o.integer("threads", Runtime.getRuntime().availableProcessors());
		EventLoopGroup group = Transport.group(threads);
		try {
			ServerBootstrap b = new ServerBootstrap().group(group)
				.channel(Transport.serverChannel())
				.option(ChannelOption.SO_BACKLOG, 4096)
				.option(ChannelOption.SO_REUSEADDR, true)
				.childOption(ChannelOption.TCP_NODELAY, true)
				.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
				.childHandler(new ChannelInitializer<SocketChannel>() {
					@Override
					protected void initChannel(SocketChannel ch) {
						ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new Handler());
					}
				});
			Channel server = b.bind(host, port).sync().channel();
			System.out.println("echo-server listening on " + host + ":" + port + " (" + Transport.name() + ", "
					+ threads + " threads)");
			System.out.flush();
			server.closeFuture().sync();
		}
		finally {
			group.shutdownGracefully();
		}
	}

	static final class Handler extends ChannelInboundHandlerAdapter {

		private WebSocketServerHandshaker handshaker;

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (msg instanceof WebSocketFrame frame) {
				onFrame(ctx, frame);
			}
			else if (msg instanceof FullHttpRequest req) {
				try {
					onHttp(ctx, req);
				}
				finally {
					req.release();
				}
			}
			else {
				ReferenceCountUtil.release(msg);
			}
		}

		private void onFrame(ChannelHandlerContext ctx, WebSocketFrame frame) {
			if (frame instanceof CloseWebSocketFrame close) {
				handshaker.close(ctx, close);
			}
			else if (frame instanceof PingWebSocketFrame) {
				ctx.write(new PongWebSocketFrame(frame.content()));
			}
			else if (frame instanceof PongWebSocketFrame) {
				frame.release();
			}
			else {
				ctx.write(frame); // text, binary, continuation: echo as is (ownership
									// passes to the encoder)
			}
		}

		private void onHttp(ChannelHandlerContext ctx, FullHttpRequest req) {
			if (!req.decoderResult().isSuccess()) {
				respond(ctx, req, HttpResponseStatus.BAD_REQUEST, "bad request\n");
				return;
			}
			String upgrade = req.headers().get(HttpHeaderNames.UPGRADE);
			if (upgrade != null && "websocket".equalsIgnoreCase(upgrade)) {
				String url = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri();
				WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, null, DECODER)
					.newHandshaker(req);
				if (hs == null) {
					WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
				}
				else {
					handshaker = hs;
					hs.handshake(ctx.channel(), req);
				}
			}
			else {
				respond(ctx, req, HttpResponseStatus.OK, "ok\n");
			}
		}

		private static void respond(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status,
				String body) {
			FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
					Unpooled.copiedBuffer(body, CharsetUtil.US_ASCII));
			res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
			HttpUtil.setContentLength(res, res.content().readableBytes());
			boolean keepAlive = HttpUtil.isKeepAlive(req) && status == HttpResponseStatus.OK;
			if (keepAlive) {
				res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
				ctx.writeAndFlush(res);
			}
			else {
				ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
			}
		}

		@Override
		public void channelReadComplete(ChannelHandlerContext ctx) {
			ctx.flush();
		}

		@Override
		public void channelWritabilityChanged(ChannelHandlerContext ctx) {
			// Back-pressure: stop reading from a client that does not read its echoes.
			ctx.channel().config().setAutoRead(ctx.channel().isWritable());
			ctx.fireChannelWritabilityChanged();
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			ctx.close();
		}

	}

}
