package dev.switchboard.upgrade;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.NettyPipeline;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.FilterOrder;
import dev.switchboard.config.RouteSettingsResolver;
import dev.switchboard.config.TunnelSettings;
import dev.switchboard.tunnel.Tunnel;
import dev.switchboard.tunnel.TunnelRegistry;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.isAlreadyRouted;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.setAlreadyRouted;

/**
 * Proxies WebSocket handshakes and the tunnels that follow, in place of the stock
 * {@code WebsocketRoutingFilter}. It contacts the backend first and answers the client only with what
 * the backend answered: a refusal (401, 403, 429, ...) is relayed as it is, and an acceptance is relayed
 * with the backend's own headers, subprotocol and extensions. After the 101 the client's connection
 * leaves the HTTP stack and becomes one end of a byte-relaying {@link Tunnel}.
 */
public class WebSocketTunnelFilter implements GlobalFilter, Ordered {

	private static final Log logger = LogFactory.getLog(WebSocketTunnelFilter.class);

	static final String TUNNEL_HANDLER = "switchboard.tunnel";

	static final String TUNNEL_ROUTE_ATTR = WebSocketTunnelFilter.class.getName() + ".route";

	/** Reactor Netty's HTTP handlers, which have nothing left to do once the connection is a tunnel. */
	private static final List<String> SERVER_HTTP_HANDLERS = List.of(NettyPipeline.HttpTrafficHandler,
			NettyPipeline.AccessLogHandler, NettyPipeline.HttpMetricsHandler, NettyPipeline.CompressionHandler,
			NettyPipeline.IdleTimeoutHandler, NettyPipeline.ReadTimeoutHandler, NettyPipeline.HttpCodec);

	/**
	 * Headers the 101 must not carry from the backend's answer: the upgrade pair is re-set for this hop,
	 * and a 1xx response has no body, so no length (RFC 9110, 8.6).
	 */
	private static final Set<String> NOT_IN_101 = Set.of("upgrade", "connection", "content-length",
			"transfer-encoding", "keep-alive");

	private static final byte[] SWITCHING_PROTOCOLS = "HTTP/1.1 101 Switching Protocols\r\n"
		.getBytes(StandardCharsets.US_ASCII);

	private final BackendConnector connector;

	private final RouteSettingsResolver settingsResolver;

	private final TunnelRegistry registry;

	private final ObjectProvider<List<HttpHeadersFilter>> headersFilters;

	private volatile List<HttpHeadersFilter> resolvedHeadersFilters;

	private final BackendRetry retry;

	public WebSocketTunnelFilter(BackendConnector connector, RouteSettingsResolver settingsResolver,
			TunnelRegistry registry, ObjectProvider<List<HttpHeadersFilter>> headersFilters) {
		this(connector, settingsResolver, registry, headersFilters, BackendRetry.NONE);
	}

	public WebSocketTunnelFilter(BackendConnector connector, RouteSettingsResolver settingsResolver,
			TunnelRegistry registry, ObjectProvider<List<HttpHeadersFilter>> headersFilters, BackendRetry retry) {
		this.connector = connector;
		this.settingsResolver = settingsResolver;
		this.registry = registry;
		this.headersFilters = headersFilters;
		this.retry = retry;
	}

	@Override
	public int getOrder() {
		return FilterOrder.TUNNEL;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI backend = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		ServerHttpRequest request = exchange.getRequest();
		if (backend == null || isAlreadyRouted(exchange) || !isTunnelScheme(backend.getScheme())
				|| !UpgradeRequests.isWebSocketUpgrade(request.getHeaders())) {
			return chain.filter(exchange);
		}
		setAlreadyRouted(exchange);
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		String routeId = (route != null) ? route.getId() : "?";
		UpgradeRequests.Rejection rejection = UpgradeRequests.validate(request);
		if (rejection != null) {
			logger.info("Refused WebSocket handshake from " + request.getRemoteAddress() + " on route " + routeId
					+ ": " + rejection.reason());
			if (rejection.status() == HttpStatus.UPGRADE_REQUIRED) {
				exchange.getResponse().getHeaders().set("Sec-WebSocket-Version", "13");
			}
			return answer(exchange.getResponse(), rejection.status(), rejection.reason());
		}
		Channel client = clientChannel(request);
		TunnelSettings settings = this.settingsResolver.forRoute(route);
		return handshake(exchange, client, backend, settings)
			.flatMap((attempt) -> onAnswer(exchange, client, routeId, attempt.backend(), settings, attempt.answer()))
			.onErrorResume(BackendUnavailableException.class,
					(ex) -> backendFailed(exchange, routeId, HttpStatus.BAD_GATEWAY, ex))
			.onErrorResume(BackendTimeoutException.class,
					(ex) -> backendFailed(exchange, routeId, HttpStatus.GATEWAY_TIMEOUT, ex));
	}

	/** Contacts the backend; one that cannot be reached is replaced by the one {@link BackendRetry} names, if any. */
	private Mono<Attempt> handshake(ServerWebExchange exchange, Channel client, URI backend, TunnelSettings settings) {
		return this.connector.handshake(client, backend, upstreamHeaders(exchange, backend, settings), settings)
			.map((answer) -> new Attempt(backend, answer))
			.onErrorResume(BackendUnavailableException.class, (ex) -> this.retry.next(exchange, backend, ex)
				.switchIfEmpty(Mono.error(ex))
				.flatMap((next) -> handshake(exchange, client, next, settings)));
	}

	private record Attempt(URI backend, BackendAnswer answer) {
	}

	static boolean isTunnelScheme(String scheme) {
		return "ws".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme)
				|| "https".equalsIgnoreCase(scheme);
	}

	private Mono<Void> onAnswer(ServerWebExchange exchange, Channel client, String routeId, URI backend,
			TunnelSettings settings, BackendAnswer answer) {
		FullHttpResponse response = answer.response();
		try {
			if (response.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
				return relayRefusal(exchange, answer);
			}
			if (!UpgradeRequests.hasToken(response.headers().getAll(HttpHeaderNames.UPGRADE), "websocket")) {
				answer.channel().close();
				return backendFailed(exchange, routeId, HttpStatus.BAD_GATEWAY, new BackendUnavailableException(
						"backend answered 101 without 'Upgrade: websocket'"));
			}
			// As for plain HTTP, the backend's headers become the exchange's response headers, and the 101
			// goes out when the exchange commits: after every filter's post phase, so what route filters
			// add or rewrite (AddResponseHeader, a sticky cookie) is part of it.
			ServerHttpResponse clientResponse = exchange.getResponse();
			clientResponse.getHeaders().addAll(filter(new HttpHeaders(new Netty4HeadersAdapter(response.headers())),
					exchange, HttpHeadersFilter.Type.RESPONSE));
			Channel backendChannel = answer.channel();
			ChannelFutureListener clientLeft = (future) -> backendChannel.close();
			client.closeFuture().addListener(clientLeft);
			clientResponse.setStatusCode(HttpStatus.SWITCHING_PROTOCOLS);
			clientResponse.beforeCommit(() -> {
				client.closeFuture().removeListener(clientLeft);
				if (client.eventLoop().inEventLoop()) {
					openTunnel(exchange, client, backendChannel, routeId, backend, settings);
				}
				else {
					// Queued ahead of the framework's own write of this response, which is thus dropped.
					client.eventLoop().execute(() -> openTunnel(exchange, client, backendChannel, routeId, backend, settings));
				}
				return Mono.empty();
			});
			return Mono.empty();
		}
		finally {
			response.release();
		}
	}

	private void openTunnel(ServerWebExchange exchange, Channel client, Channel backendChannel, String routeId,
			URI backend, TunnelSettings settings) {
		ServerHttpResponse response = exchange.getResponse();
		if (!HttpStatus.SWITCHING_PROTOCOLS.equals(response.getStatusCode()) || !client.isActive()
				|| !backendChannel.isActive()) {
			// A later filter answered otherwise, or a side left before the 101: no tunnel.
			backendChannel.close();
			if (HttpStatus.SWITCHING_PROTOCOLS.equals(response.getStatusCode())) {
				logger.warn("WebSocket handshake on route " + routeId + " answered 502: backend " + backend.getAuthority()
						+ " closed the connection right after accepting it");
				response.setStatusCode(HttpStatus.BAD_GATEWAY);
				response.getHeaders().clear();
			}
			return;
		}
		Tunnel tunnel = new Tunnel(routeId, backend, settings, this.registry);
		ByteBuf head = switchingProtocolsHead(response.getHeaders(), client);
		takeOverClient(client, tunnel);
		tunnel.writeToClient(head);
		BackendConnector.handOver(backendChannel, tunnel.backendHandler(), TUNNEL_HANDLER);
		tunnel.start();
	}

	/** The backend said no: the client gets the same status, headers and body. */
	private Mono<Void> relayRefusal(ServerWebExchange exchange, BackendAnswer answer) {
		FullHttpResponse refusal = answer.response();
		answer.channel().close();
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatusCode.valueOf(refusal.status().code()));
		response.getHeaders().addAll(filter(new HttpHeaders(new Netty4HeadersAdapter(refusal.headers())), exchange,
				HttpHeadersFilter.Type.RESPONSE));
		if (!refusal.content().isReadable() || !(response.bufferFactory() instanceof NettyDataBufferFactory factory)) {
			return response.setComplete();
		}
		return response.writeWith(Mono.just(factory.wrap(refusal.content().retain())));
	}

	private Mono<Void> backendFailed(ServerWebExchange exchange, String routeId, HttpStatus status, Throwable ex) {
		logger.warn("WebSocket handshake on route " + routeId + " answered " + status.value() + ": " + ex.getMessage());
		return answer(exchange.getResponse(), status, ex.getMessage());
	}

	private static Mono<Void> answer(ServerHttpResponse response, HttpStatus status, String reason) {
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
		byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
	}

	/**
	 * The request headers for the backend: the gateway's header filters (hop-by-hop removal, forwarded
	 * headers), then {@code Upgrade}/{@code Connection} put back, since only this hop's upgrade is meant.
	 */
	private io.netty.handler.codec.http.HttpHeaders upstreamHeaders(ServerWebExchange exchange, URI backend,
			TunnelSettings settings) {
		HttpHeaders filtered = filter(exchange.getRequest().getHeaders(), exchange, HttpHeadersFilter.Type.REQUEST);
		DefaultHttpHeaders headers = new DefaultHttpHeaders();
		for (Map.Entry<String, List<String>> entry : filtered.headerSet()) {
			headers.add(entry.getKey(), entry.getValue());
		}
		headers.remove(HttpHeaderNames.CONTENT_LENGTH);
		headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
		if (!Boolean.TRUE.equals(exchange.getAttribute(PRESERVE_HOST_HEADER_ATTRIBUTE))
				|| !headers.contains(HttpHeaderNames.HOST)) {
			headers.set(HttpHeaderNames.HOST, (backend.getPort() > 0) ? backend.getHost() + ":" + backend.getPort()
					: backend.getHost());
		}
		headers.set(HttpHeaderNames.UPGRADE, settings.upgradeHeaderValue());
		headers.set(HttpHeaderNames.CONNECTION, settings.connectionHeaderValue());
		return headers;
	}

	/** The 101 for the client, with the exchange's final response headers. */
	private static ByteBuf switchingProtocolsHead(HttpHeaders headers, Channel client) {
		ByteBuf head = client.alloc().buffer(256);
		head.writeBytes(SWITCHING_PROTOCOLS);
		writeHeaders(head, headers);
		head.writeCharSequence("Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n", StandardCharsets.US_ASCII);
		return head;
	}

	private static void writeHeaders(ByteBuf head, HttpHeaders headers) {
		for (Map.Entry<String, List<String>> entry : headers.headerSet()) {
			if (NOT_IN_101.contains(entry.getKey().toLowerCase(Locale.ROOT))) {
				continue;
			}
			for (String value : entry.getValue()) {
				head.writeCharSequence(entry.getKey(), StandardCharsets.US_ASCII);
				head.writeCharSequence(": ", StandardCharsets.US_ASCII);
				head.writeCharSequence(value, StandardCharsets.ISO_8859_1);
				head.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
			}
		}
	}

	/**
	 * Makes the client's connection one end of the tunnel: the tunnel's handler goes in front of
	 * Reactor Netty's HTTP codec, and the HTTP handlers leave, so no HTTP timeout or codec ever sees
	 * tunnel bytes. Whatever the web framework still writes for the finished exchange is dropped by
	 * the tunnel's handler.
	 */
	private static void takeOverClient(Channel client, Tunnel tunnel) {
		ChannelPipeline pipeline = client.pipeline();
		pipeline.addBefore(NettyPipeline.HttpCodec, TUNNEL_HANDLER, tunnel.clientHandler());
		for (String name : SERVER_HTTP_HANDLERS) {
			if (pipeline.get(name) != null) {
				pipeline.remove(name);
			}
		}
	}

	private static Channel clientChannel(ServerHttpRequest request) {
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		if (nativeRequest instanceof Connection connection) {
			return connection.channel();
		}
		throw new IllegalStateException("Switchboard's tunnel needs the Reactor Netty server, not "
				+ nativeRequest.getClass().getName());
	}

	private HttpHeaders filter(HttpHeaders headers, ServerWebExchange exchange, HttpHeadersFilter.Type type) {
		List<HttpHeadersFilter> filters = this.resolvedHeadersFilters;
		if (filters == null) {
			filters = this.headersFilters.getIfAvailable(List::of);
			this.resolvedHeadersFilters = filters;
		}
		return HttpHeadersFilter.filter(filters, headers, exchange, type);
	}

}
