package dev.switchboard.sticky;

import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.FilterOrder;

import dev.switchboard.upgrade.WebSocketTunnelFilter;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ALREADY_ROUTED_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.isAlreadyRouted;

/**
 * Sticky sessions on {@code lb://} routes, around Spring Cloud Gateway's load balancer. Before it: reads
 * the session cookie (verifying its signature, no Redis) or a learned key, and leaves a
 * {@link StickyExchange} for the balancer. When the response commits (the 101 or the first HTTP
 * response): sets the cookie, records new and moved assignments and learned keys in Redis, and counts
 * the decision. A plain HTTP request whose instance refuses the connection is tried on another one
 * when it has no body to replay; WebSocket handshakes get the same through {@link StickyRetry}.
 */
class StickyFilter implements GlobalFilter, Ordered {

	private static final Log logger = LogFactory.getLog(StickyFilter.class);

	private static final int MAX_LEARNED_KEY_LENGTH = 256;

	private final StickySettingsResolver resolver;

	private final SessionCookies cookies;

	private final StickyRouter router;

	private final StickyMetrics metrics;

	StickyFilter(StickySettingsResolver resolver, SessionCookies cookies, StickyRouter router, StickyMetrics metrics) {
		this.resolver = resolver;
		this.cookies = cookies;
		this.router = router;
		this.metrics = metrics;
	}

	@Override
	public int getOrder() {
		return FilterOrder.STICKY;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		if (url == null || !"lb".equalsIgnoreCase(url.getScheme()) || isAlreadyRouted(exchange)
				|| exchange.getAttribute(StickyExchange.ATTRIBUTE) != null) {
			return chain.filter(exchange);
		}
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		String routeId = (route != null) ? route.getId() : "?";
		StickySettings settings = this.resolver.forRoute(route);
		StickyExchange sticky = (settings != null) ? open(exchange.getRequest(), routeId, settings)
				: new StickyExchange(routeId, null, null, false, null, null);
		exchange.getAttributes().put(StickyExchange.ATTRIBUTE, sticky);
		if (sticky.sticky()) {
			exchange.getResponse().beforeCommit(() -> onCommit(exchange, sticky));
		}
		return route(exchange, chain, sticky, url);
	}

	private Mono<Void> route(ServerWebExchange exchange, GatewayFilterChain chain, StickyExchange sticky, URI url) {
		return chain.filter(exchange).onErrorResume((ex) -> retriable(exchange, sticky, ex), (ex) -> {
			if (this.router.reroute(sticky, BackendInstances.key(sticky.chosen), "connection refused") == null) {
				return Mono.error(ex);
			}
			// Through the balancer again, which now answers the instance chosen by reroute.
			exchange.getAttributes().remove(GATEWAY_ALREADY_ROUTED_ATTR);
			exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, url);
			return route(exchange, chain, sticky, url);
		});
	}

	private static boolean retriable(ServerWebExchange exchange, StickyExchange sticky, Throwable ex) {
		ServerHttpRequest request = exchange.getRequest();
		boolean bodiless = request.getHeaders().getContentLength() <= 0
				&& !request.getHeaders().containsHeader(HttpHeaders.TRANSFER_ENCODING);
		boolean idempotent = HttpMethod.GET.equals(request.getMethod()) || HttpMethod.HEAD.equals(request.getMethod())
				|| HttpMethod.OPTIONS.equals(request.getMethod());
		return sticky.chosen != null && !exchange.getResponse().isCommitted() && (bodiless || idempotent)
				&& refused(ex);
	}

	private static boolean refused(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConnectException) {
				return true;
			}
		}
		return false;
	}

	private StickyExchange open(ServerHttpRequest request, String routeId, StickySettings settings) {
		List<HttpCookie> presented = request.getCookies().get(settings.cookieName());
		if (presented != null) {
			for (HttpCookie cookie : presented) {
				String id = this.cookies.verify(cookie.getValue());
				if (id != null) {
					return new StickyExchange(routeId, settings, id, false, null, this.router.sessionKey(routeId, id));
				}
			}
			this.metrics.decision(routeId, Decision.REJECTED_COOKIE);
			logger.debug("Route " + routeId + ": session cookie with a bad signature, starting a new session");
		}
		String learned = learnedKey(request, settings);
		if (learned != null) {
			return new StickyExchange(routeId, settings, null, false, learned, this.router.learnedKey(routeId, learned));
		}
		return new StickyExchange(routeId, settings, this.cookies.newId(), true, null, null);
	}

	private static String learnedKey(ServerHttpRequest request, StickySettings settings) {
		if (settings.learnQueryParam() != null) {
			String value = usable(request.getQueryParams().getFirst(settings.learnQueryParam()));
			if (value != null) {
				return value;
			}
		}
		if (settings.learnCookie() != null) {
			HttpCookie cookie = request.getCookies().getFirst(settings.learnCookie());
			return (cookie != null) ? usable(cookie.getValue()) : null;
		}
		return null;
	}

	private Mono<Void> onCommit(ServerWebExchange exchange, StickyExchange sticky) {
		if (sticky.decision == null || sticky.chosen == null) {
			return Mono.empty();
		}
		this.metrics.decision(sticky.routeId, sticky.decision);
		exchange.getAttributes().put(WebSocketTunnelFilter.STICKY_DECISION_ATTR, sticky.decision.tag);
		String instance = BackendInstances.key(sticky.chosen);
		if (sticky.tried.contains(instance)) {
			// Every instance refused: nothing worth remembering.
			return Mono.empty();
		}
		ServerHttpResponse response = exchange.getResponse();
		if (sticky.minted || (sticky.decision == Decision.REASSIGNED && sticky.sessionId != null)) {
			response.getHeaders().add(HttpHeaders.SET_COOKIE, cookie(exchange.getRequest(), sticky).toString());
		}
		List<String> keys = new ArrayList<>(2);
		if (sticky.decision == Decision.NEW || sticky.decision == Decision.REASSIGNED) {
			keys.add((sticky.lookupKey != null) ? sticky.lookupKey : this.router.sessionKey(sticky.routeId, sticky.sessionId));
		}
		String learned = learnedFromResponse(response.getHeaders(), sticky.settings);
		if (learned != null && !(learned.equals(sticky.learnedKey) && sticky.decision == Decision.HIT)) {
			keys.add(this.router.learnedKey(sticky.routeId, learned));
		}
		// Sent, not awaited: the command is on its way to Redis before the response leaves, and a client
		// needs at least a round trip and a new connection to present the cookie anywhere else. Holding
		// the response back for the reply cost ~25% of the handshake rate (thread hop and a wait per
		// handshake); a failed write degrades the store like any Redis failure.
		this.router.store().assign(keys, instance, sticky.settings.ttl()).subscribe();
		return Mono.empty();
	}

	private ResponseCookie cookie(ServerHttpRequest request, StickyExchange sticky) {
		StickySettings settings = sticky.settings;
		ResponseCookie.ResponseCookieBuilder cookie = ResponseCookie.from(settings.cookieName(), this.cookies.sign(sticky.sessionId))
			.path(settings.cookiePath())
			.httpOnly(true)
			.secure(secure(request))
			.sameSite(settings.sameSite().attribute());
		if (settings.cookieMaxAge() != null) {
			cookie.maxAge(settings.cookieMaxAge());
		}
		return cookie.build();
	}

	/** The client came over TLS, directly or according to the proxy in front ({@code X-Forwarded-Proto}). */
	static boolean secure(ServerHttpRequest request) {
		if (request.getSslInfo() != null) {
			return true;
		}
		String proto = request.getHeaders().getFirst("X-Forwarded-Proto");
		if (proto == null) {
			return false;
		}
		int comma = proto.indexOf(',');
		return "https".equalsIgnoreCase(((comma < 0) ? proto : proto.substring(0, comma)).trim());
	}

	/** The key the backend set in its answer: the learn header, else the value of the learn cookie it set. */
	static String learnedFromResponse(HttpHeaders headers, StickySettings settings) {
		if (settings.learnHeader() != null) {
			String value = usable(headers.getFirst(settings.learnHeader()));
			if (value != null) {
				return value;
			}
		}
		if (settings.learnCookie() != null) {
			List<String> setCookies = headers.get(HttpHeaders.SET_COOKIE);
			if (setCookies != null) {
				for (String setCookie : setCookies) {
					int end = setCookie.indexOf(';');
					String pair = (end < 0) ? setCookie : setCookie.substring(0, end);
					int eq = pair.indexOf('=');
					if (eq > 0 && pair.substring(0, eq).trim().equals(settings.learnCookie())) {
						return usable(pair.substring(eq + 1).trim());
					}
				}
			}
		}
		return null;
	}

	private static String usable(String value) {
		if (value == null || value.isEmpty() || value.length() > MAX_LEARNED_KEY_LENGTH) {
			return null;
		}
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c <= ' ' || c >= 127) {
				return null;
			}
		}
		return value;
	}

}
