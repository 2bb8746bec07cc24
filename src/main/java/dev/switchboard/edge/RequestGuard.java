package dev.switchboard.edge;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

import dev.switchboard.edge.RefusedRequests.Reason;

/**
 * Refuses what HTTP/1.1 calls a malformed request before any route, filter or backend
 * sees it, right after the HTTP decoder: an HTTP/1.1 request without {@code Host}, more
 * than one {@code Host}, a {@code Host} that is not {@code host[:port]}, a WebSocket
 * handshake over HTTP/1.0. Each gets {@code 400} with a one-line reason and a closed
 * connection (what follows such a head cannot be trusted), and is counted. Requests the
 * decoder itself rejects are counted here too; Reactor Netty answers those. One instance
 * per connection; removed when the connection becomes a tunnel.
 */
public final class RequestGuard extends ChannelInboundHandlerAdapter {

	/** Its name in the pipeline; the tunnel removes it by this name. */
	public static final String NAME = "switchboard.requestGuard";

	private final RefusedRequests refused;

	/**
	 * A request was refused: the rest of the connection's input is dropped until it
	 * closes.
	 */
	private boolean discarding;

	public RequestGuard(RefusedRequests refused) {
		this.refused = refused;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (this.discarding) {
			ReferenceCountUtil.release(msg);
			return;
		}
		if (msg instanceof HttpRequest request) {
			DecoderResult decoded = request.decoderResult();
			if (decoded.isFailure()) {
				Reason reason = (decoded.cause() instanceof TooLongHttpHeaderException) ? Reason.HEADERS_TOO_LARGE
						: (decoded.cause() instanceof TooLongHttpLineException) ? Reason.URI_TOO_LONG
								: Reason.MALFORMED_REQUEST;
				this.refused.refused(reason, ctx.channel().remoteAddress(), statusOf(reason),
						"cannot decode the request (" + decoded.cause().getMessage() + ")");
			}
			else {
				Refusal refusal = check(request);
				if (refusal != null) {
					refuse(ctx, request, refusal);
					return;
				}
			}
		}
		ctx.fireChannelRead(msg);
	}

	/** What is wrong with a decoded request head, or null when nothing is. */
	static Refusal check(HttpRequest request) {
		HttpHeaders headers = request.headers();
		List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
		if (hosts.size() > 1) {
			return new Refusal(Reason.DUPLICATE_HOST, "more than one Host header");
		}
		if (hosts.isEmpty()) {
			if (!HttpVersion.HTTP_1_0.equals(request.protocolVersion())) {
				return new Refusal(Reason.MISSING_HOST, "HTTP/1.1 requests need a Host header");
			}
		}
		else if (!isHostAndPort(hosts.get(0))) {
			return new Refusal(Reason.INVALID_HOST, "Host must be host[:port]");
		}
		if (HttpVersion.HTTP_1_0.equals(request.protocolVersion())
				&& headers.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
				&& headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
			return new Refusal(Reason.HTTP10_UPGRADE, "a WebSocket handshake needs HTTP/1.1 or later");
		}
		return null;
	}

	/**
	 * A host name, IPv4 or bracketed IPv6 address with an optional port (RFC 3986's
	 * reg-name characters): no spaces, commas, slashes or user info. Empty is allowed
	 * (RFC 9112, 3.2). A port is digits up to 65535: Spring's
	 * {@code HttpHeaders.getHost()} throws on a larger or negative one.
	 */
	static boolean isHostAndPort(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
					|| "-._~%!$&'()*+;=:[]".indexOf(c) >= 0;
			if (!allowed) {
				return false;
			}
		}
		// Where Spring's getHost() looks for the port.
		int colon = value.startsWith("[") ? value.indexOf(':', value.indexOf(']')) : value.lastIndexOf(':');
		return colon < 0 || isPort(value.substring(colon + 1));
	}

	private static boolean isPort(String port) {
		if (port.length() > 5) {
			return false;
		}
		for (int i = 0; i < port.length(); i++) {
			if (port.charAt(i) < '0' || port.charAt(i) > '9') {
				return false;
			}
		}
		return port.isEmpty() || Integer.parseInt(port) <= 65535;
	}

	private void refuse(ChannelHandlerContext ctx, HttpRequest request, Refusal refusal) {
		this.discarding = true;
		ReferenceCountUtil.release(request);
		this.refused.refused(refusal.reason(), ctx.channel().remoteAddress(), 400, refusal.text());
		byte[] body = (refusal.text() + "\n").getBytes(StandardCharsets.UTF_8);
		FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
				Unpooled.wrappedBuffer(body));
		response.headers()
			.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
			.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
			.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
		ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
	}

	private static int statusOf(Reason reason) {
		return switch (reason) {
			case HEADERS_TOO_LARGE -> 431;
			case URI_TOO_LONG -> 414;
			default -> 400;
		};
	}

	/** Why a request is refused, and the line its sender reads. */
	record Refusal(Reason reason, String text) {
	}

}
