package dev.switchboard.upgrade;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.observation.ObservedRequestHttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.observation.ObservedResponseHttpHeadersFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

import dev.switchboard.ClientIdentity;
import dev.switchboard.ExchangeAttributes;
import dev.switchboard.FilterOrder;
import dev.switchboard.InstanceKey;
import dev.switchboard.OneLineAnswer;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.tunnel.Frames;
import dev.switchboard.tunnel.GatewayCloseReason;
import dev.switchboard.tunnel.TrafficRecorder;
import dev.switchboard.tunnel.Tunnel;
import dev.switchboard.tunnel.TunnelOrigin;
import dev.switchboard.tunnel.TunnelRegistry;
import dev.switchboard.tunnel.TunnelSettings;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.isAlreadyRouted;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.setAlreadyRouted;

/**
 * Proxies WebSocket handshakes and the tunnels that follow, in place of the stock
 * {@code WebsocketRoutingFilter}. It contacts the backend first and answers the client
 * only with what the backend answered: a refusal (401, 403, 429, ...) is relayed as it
 * is, and an acceptance is relayed with the backend's own headers, subprotocol and
 * extensions. After the 101 the client's connection leaves the HTTP stack and becomes one
 * end of a byte-relaying {@link Tunnel}.
 */
public class WebSocketTunnelFilter implements GlobalFilter, Ordered {

	private static final Log logger = LogFactory.getLog(WebSocketTunnelFilter.class);

	/** "No policy refused": a marker, never sent. */
	private static final HandshakePolicy.Refusal PASS = new HandshakePolicy.Refusal(HttpStatus.OK, "", "");

	private final BackendConnector connector;

	private final RouteSettings<HandshakeSettings> handshakeSettings;

	private final RouteSettings<TunnelSettings> tunnelSettings;

	private final TunnelRegistry registry;

	private final ObjectProvider<List<HttpHeadersFilter>> headersFilters;

	private final List<HandshakeRecorder> recorders;

	private final List<HandshakePolicy> policies;

	private final TrafficRecorders traffic;

	private final BackendRetry retry;

	private final HandshakeTracer tracer;

	private volatile List<HttpHeadersFilter> resolvedHeadersFilters;

	public WebSocketTunnelFilter(BackendConnector connector, RouteSettings<HandshakeSettings> handshakeSettings,
			RouteSettings<TunnelSettings> tunnelSettings, TunnelRegistry registry,
			ObjectProvider<List<HttpHeadersFilter>> headersFilters, List<HandshakeRecorder> recorders,
			List<HandshakePolicy> policies, TrafficRecorders traffic, BackendRetry retry, HandshakeTracer tracer) {
		this.connector = connector;
		this.handshakeSettings = handshakeSettings;
		this.tunnelSettings = tunnelSettings;
		this.registry = registry;
		this.headersFilters = headersFilters;
		this.recorders = List.copyOf(recorders);
		this.policies = List.copyOf(policies);
		this.traffic = traffic;
		this.retry = retry;
		this.tracer = tracer;
	}

	@Override
	public int getOrder() {
		return FilterOrder.TUNNEL;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI backend = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		ServerHttpRequest request = exchange.getRequest();
		if (backend == null || isAlreadyRouted(exchange) || !isTunnelScheme(backend.getScheme())) {
			return chain.filter(exchange);
		}
		if (!UpgradeRequests.isWebSocketUpgrade(request.getHeaders())) {
			// Plain HTTP on a ws:// or wss:// route goes to the HTTP client as http:// or
			// https://.
			exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, asHttp(backend));
			return chain.filter(exchange);
		}
		setAlreadyRouted(exchange);
		exchange.getAttributes().put(ExchangeAttributes.TUNNEL_HANDLED, Boolean.TRUE);
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		Handshake handshake = new Handshake(exchange, UpgradeRequests.clientChannel(request),
				(route != null) ? route.getId() : "?", backend, this.handshakeSettings.forRoute(route),
				this.tunnelSettings.forRoute(route), this.recorders, this.tracer);
		UpgradeRequests.Rejection rejection = UpgradeRequests.validate(request);
		if (rejection != null) {
			if (rejection.status() == HttpStatus.UPGRADE_REQUIRED) {
				exchange.getResponse().getHeaders().set("Sec-WebSocket-Version", "13");
			}
			return refuse(handshake, HandshakeOutcome.INVALID_REQUEST, rejection.status(), rejection.reason());
		}
		Mono<HandshakePolicy.Refusal> verdict = judge(exchange, route, 0);
		if (verdict == Mono.<HandshakePolicy.Refusal>empty()) {
			return forward(handshake);
		}
		return verdict.defaultIfEmpty(PASS)
			.flatMap((refusal) -> (refusal != PASS) ? refuse(handshake, refusal) : forward(handshake));
	}

	/**
	 * Asks the policies from {@code from} on, stopping at the first refusal. A policy
	 * with nothing to check on the route answers {@code Mono.empty()} itself, so a
	 * gateway without policies builds no publisher per handshake.
	 */
	private Mono<HandshakePolicy.Refusal> judge(ServerWebExchange exchange, Route route, int from) {
		for (int i = from; i < this.policies.size(); i++) {
			Mono<HandshakePolicy.Refusal> verdict = this.policies.get(i).check(exchange, route);
			if (verdict != Mono.<HandshakePolicy.Refusal>empty()) {
				int next = i + 1;
				return verdict.switchIfEmpty(Mono.defer(() -> judge(exchange, route, next)));
			}
		}
		return Mono.empty();
	}

	private Mono<Void> forward(Handshake handshake) {
		ServerWebExchange exchange = handshake.exchange;
		ServerHttpRequest request = exchange.getRequest();
		// A policy may have taken a credential out of the query.
		handshake.backend = exchange.getRequiredAttribute(GATEWAY_REQUEST_URL_ATTR);
		HttpHeaders filtered = filter(request.getHeaders(), exchange, HttpHeadersFilter.Type.REQUEST);
		HttpHeaders identity = exchange.getAttribute(ExchangeAttributes.IDENTITY_HEADERS);
		if (identity != null) {
			if (filtered == request.getHeaders()) {
				filtered = HttpHeaders.copyOf(filtered);
			}
			ClientIdentity.applyTo(filtered, identity);
		}
		if (handshake.span != null) {
			// The header filters return a copy unless none changed anything: then they
			// hand back the request's read-only headers.
			if (filtered == request.getHeaders()) {
				filtered = HttpHeaders.copyOf(filtered);
			}
			handshake.span.propagate(filtered);
		}
		return contactBackend(handshake, filtered).flatMap((answer) -> onAnswer(handshake, answer))
			.onErrorResume(BackendUnavailableException.class,
					(ex) -> backendFailed(handshake, HandshakeOutcome.BACKEND_UNAVAILABLE, HttpStatus.BAD_GATEWAY,
							ex.getMessage()))
			.onErrorResume(BackendTimeoutException.class, (ex) -> backendFailed(handshake,
					HandshakeOutcome.BACKEND_TIMEOUT, HttpStatus.GATEWAY_TIMEOUT, ex.getMessage()));
	}

	private static Mono<Void> refuse(Handshake handshake, HandshakePolicy.Refusal refusal) {
		handshake.exchange.getAttributes().put(ExchangeAttributes.REFUSED_BY, refusal.policy());
		refusal.headers().forEach(handshake.exchange.getResponse().getHeaders()::set);
		return refuse(handshake, HandshakeOutcome.REFUSED_BY_POLICY, refusal.status(), refusal.reason());
	}

	/**
	 * Contacts the backend; one that cannot be reached is replaced by the instance
	 * {@link BackendRetry} names, if any (before a 101 nothing is lost by trying
	 * another).
	 */
	private Mono<BackendAnswer> contactBackend(Handshake handshake, HttpHeaders filtered) {
		URI backend = handshake.backend;
		return this.connector
			.handshake(handshake.client, backend,
					UpstreamHeaders.of(filtered, handshake.exchange, backend, handshake.settings), handshake.settings)
			.onErrorResume(BackendUnavailableException.class,
					(ex) -> this.retry.next(handshake.exchange, backend, ex)
						.switchIfEmpty(Mono.error(ex))
						.flatMap((next) -> {
							handshake.backend = next;
							return contactBackend(handshake, filtered);
						}));
	}

	static URI asHttp(URI uri) {
		String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
		if (!scheme.startsWith("ws")) {
			return uri;
		}
		return UriComponentsBuilder.fromUri(uri).scheme(scheme.equals("wss") ? "https" : "http").build(true).toUri();
	}

	static boolean isTunnelScheme(String scheme) {
		return "ws".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme)
				|| "https".equalsIgnoreCase(scheme);
	}

	private Mono<Void> onAnswer(Handshake handshake, BackendAnswer answer) {
		FullHttpResponse response = answer.response();
		try {
			if (response.status().code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
				handshake.record(HandshakeOutcome.REJECTED_BY_BACKEND, response.status().code(),
						"backend answered " + response.status().code());
				return relayRefusal(handshake.exchange, answer);
			}
			if (!UpgradeRequests.hasToken(response.headers().getAll(HttpHeaderNames.UPGRADE), "websocket")) {
				answer.channel().close();
				return backendFailed(handshake, HandshakeOutcome.BACKEND_UNAVAILABLE, HttpStatus.BAD_GATEWAY,
						"backend answered 101 without 'Upgrade: websocket'");
			}
			// As for plain HTTP, the backend's headers become the exchange's response
			// headers, and the 101 goes out when the exchange commits: after every
			// filter's post phase, so what route filters add or rewrite
			// (AddResponseHeader, a sticky cookie) is part of it.
			ServerHttpResponse clientResponse = handshake.exchange.getResponse();
			clientResponse.getHeaders()
				.addAll(filter(new HttpHeaders(new Netty4HeadersAdapter(response.headers())), handshake.exchange,
						HttpHeadersFilter.Type.RESPONSE));
			clientResponse.setStatusCode(HttpStatus.SWITCHING_PROTOCOLS);
			Channel backendChannel = answer.channel();
			ChannelFutureListener clientLeft = (future) -> backendChannel.close();
			handshake.client.closeFuture().addListener(clientLeft);
			clientResponse.beforeCommit(() -> {
				handshake.client.closeFuture().removeListener(clientLeft);
				if (handshake.client.eventLoop().inEventLoop()) {
					openTunnel(handshake, backendChannel);
				}
				else {
					// Queued ahead of the framework's own write of this response, which
					// is thus dropped.
					handshake.client.eventLoop().execute(() -> openTunnel(handshake, backendChannel));
				}
				return Mono.empty();
			});
			return Mono.empty();
		}
		finally {
			response.release();
		}
	}

	private void openTunnel(Handshake handshake, Channel backendChannel) {
		ServerHttpResponse response = handshake.exchange.getResponse();
		boolean stillSwitching = HttpStatus.SWITCHING_PROTOCOLS.equals(response.getStatusCode());
		if (!stillSwitching || !handshake.client.isActive() || !backendChannel.isActive()) {
			// A later filter answered otherwise, or a side left before the 101: no
			// tunnel.
			backendChannel.close();
			if (stillSwitching) {
				logger.warn("WebSocket handshake on route " + handshake.routeId + " answered 502: backend "
						+ InstanceKey.of(handshake.backend) + " closed the connection right after accepting it");
				response.setStatusCode(HttpStatus.BAD_GATEWAY);
				response.getHeaders().clear();
				handshake.record(HandshakeOutcome.BACKEND_UNAVAILABLE, HttpStatus.BAD_GATEWAY.value(),
						"backend closed the connection right after accepting it");
			}
			return;
		}
		handshake.record(HandshakeOutcome.SUCCESS, HttpStatus.SWITCHING_PROTOCOLS.value());
		TunnelOrigin origin = new TunnelOrigin(handshake.routeId, InstanceKey.of(handshake.backend),
				handshake.clientAddress(), handshake.elapsedNanos(),
				handshake.exchange.getAttribute(ExchangeAttributes.STICKY_DECISION),
				this.traffic.recorder(handshake.routeId, true), this.traffic.recorder(handshake.routeId, false),
				handshake.traceContext());
		List<String> extensions = response.getHeaders().get("Sec-WebSocket-Extensions");
		Tunnel tunnel = new Tunnel(origin, handshake.tunnelSettings,
				Frames.allowedRsv((extensions != null) ? extensions : List.of()), this.registry);
		ClientTakeover.takeOver(handshake.client, tunnel.clientHandler());
		tunnel.announce();
		tunnel.writeToClient(SwitchingProtocolsResponse.encode(response.getHeaders(), handshake.client.alloc()));
		BackendConnector.handOver(backendChannel, tunnel.backendHandler(), ClientTakeover.TUNNEL_HANDLER);
		tunnel.start();
		closeWhenCredentialsExpire(handshake, tunnel);
	}

	/** A tunnel opened with a token lives no longer than the token (and its grace). */
	private static void closeWhenCredentialsExpire(Handshake handshake, Tunnel tunnel) {
		Instant expiry = handshake.exchange.getAttribute(ExchangeAttributes.CREDENTIALS_EXPIRE_AT);
		if (expiry == null) {
			return;
		}
		long delayMillis = Math.max(0, expiry.toEpochMilli() - System.currentTimeMillis());
		ScheduledFuture<?> expire = handshake.client.eventLoop()
			.schedule(() -> tunnel.close(GatewayCloseReason.TOKEN_EXPIRED), delayMillis, TimeUnit.MILLISECONDS);
		// Not kept past the tunnel: it would hold the tunnel's memory until the expiry.
		handshake.client.closeFuture().addListener((closed) -> expire.cancel(false));
	}

	/** The backend said no: the client gets the same status, headers and body. */
	private Mono<Void> relayRefusal(ServerWebExchange exchange, BackendAnswer answer) {
		FullHttpResponse refusal = answer.response();
		answer.channel().close();
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(HttpStatusCode.valueOf(refusal.status().code()));
		response.getHeaders()
			.addAll(filter(new HttpHeaders(new Netty4HeadersAdapter(refusal.headers())), exchange,
					HttpHeadersFilter.Type.RESPONSE));
		if (!refusal.content().isReadable() || !(response.bufferFactory() instanceof NettyDataBufferFactory factory)) {
			return response.setComplete();
		}
		return response.writeWith(Mono.just(factory.wrap(refusal.content().retain())));
	}

	private Mono<Void> backendFailed(Handshake handshake, HandshakeOutcome outcome, HttpStatus status, String reason) {
		logger
			.warn("WebSocket handshake on route " + handshake.routeId + " answered " + status.value() + ": " + reason);
		handshake.record(outcome, status.value(), reason);
		return OneLineAnswer.send(handshake.exchange.getResponse(), status, reason);
	}

	/**
	 * Answers a handshake refused at the edge, with one log line; it never reaches a
	 * backend.
	 */
	private static Mono<Void> refuse(Handshake handshake, HandshakeOutcome outcome, HttpStatus status, String reason) {
		logger.info("Refused WebSocket handshake from " + handshake.exchange.getRequest().getRemoteAddress()
				+ " on route " + handshake.routeId + ": " + reason);
		handshake.record(outcome, status.value(), reason);
		return OneLineAnswer.send(handshake.exchange.getResponse(), status, reason);
	}

	private HttpHeaders filter(HttpHeaders headers, ServerWebExchange exchange, HttpHeadersFilter.Type type) {
		List<HttpHeadersFilter> filters = this.resolvedHeadersFilters;
		if (filters == null) {
			// The gateway's observed-headers filters start an HTTP client observation per
			// request and stop it when the response comes back through them; a handshake
			// has its own span (HandshakeSpan), and one the backend never answers would
			// leave theirs open.
			filters = this.headersFilters.getIfAvailable(List::of)
				.stream()
				.filter((filter) -> !(filter instanceof ObservedRequestHttpHeadersFilter)
						&& !(filter instanceof ObservedResponseHttpHeadersFilter))
				.toList();
			this.resolvedHeadersFilters = filters;
		}
		return HttpHeadersFilter.filter(filters, headers, exchange, type);
	}

	/** Supplies the traffic recorders of a route's tunnels; resolved once per tunnel. */
	@FunctionalInterface
	public interface TrafficRecorders {

		TrafficRecorders NONE = (routeId, toBackend) -> TrafficRecorder.NONE;

		TrafficRecorder recorder(String routeId, boolean toBackend);

	}

}
