package dev.switchboard.sticky;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.FilterOrder;
import dev.switchboard.InstanceKey;
import dev.switchboard.balancer.BalancedRequest;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.forwarded.ClientOrigin;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.isAlreadyRouted;

/**
 * Sticky sessions on {@code lb://} routes, ahead of the balancer. Before it: reads the
 * session cookie (verifying its signature, no Redis) or a learned key, and leaves the
 * request's {@link StickySession} as the balancer's {@code Affinity}. When the response
 * commits (the 101 or the first HTTP response): sets the cookie, records new and moved
 * assignments and learned keys in Redis, and counts the decision.
 */
class StickyFilter implements GlobalFilter, Ordered {

	private static final Log logger = LogFactory.getLog(StickyFilter.class);

	private static final int MAX_LEARNED_KEY_LENGTH = 256;

	private final RouteSettings<StickySettings> settings;

	private final SessionCookies cookies;

	private final SessionStore store;

	private final StickyKeys keys;

	private final StickyMetrics metrics;

	private final ClientOrigin origin;

	StickyFilter(RouteSettings<StickySettings> settings, SessionCookies cookies, SessionStore store, StickyKeys keys,
			StickyMetrics metrics, ClientOrigin origin) {
		this.settings = settings;
		this.cookies = cookies;
		this.store = store;
		this.keys = keys;
		this.metrics = metrics;
		this.origin = origin;
	}

	@Override
	public int getOrder() {
		return FilterOrder.STICKY;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		if (url == null || !"lb".equalsIgnoreCase(url.getScheme()) || isAlreadyRouted(exchange)
				|| exchange.getAttribute(ExchangeAttributes.BALANCED_REQUEST) != null) {
			return chain.filter(exchange);
		}
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		StickySettings routeSettings = this.settings.forRoute(route);
		if (!routeSettings.enabled()) {
			return chain.filter(exchange);
		}
		String routeId = route.getId();
		StickySession session = open(exchange.getRequest(), routeId, routeSettings);
		BalancedRequest balanced = new BalancedRequest(routeId, session);
		exchange.getAttributes().put(ExchangeAttributes.BALANCED_REQUEST, balanced);
		exchange.getResponse().beforeCommit(() -> onCommit(exchange, session, balanced));
		return chain.filter(exchange);
	}

	private StickySession open(ServerHttpRequest request, String routeId, StickySettings settings) {
		List<HttpCookie> presented = request.getCookies().get(settings.cookieName());
		if (presented != null) {
			for (HttpCookie cookie : presented) {
				SessionCookies.Opened opened = this.cookies.open(routeId, cookie.getValue());
				if (opened != null) {
					return StickySession.fromCookie(routeId, settings, opened,
							this.keys.session(routeId, opened.sessionId()), this.store);
				}
			}
			this.metrics.decision(routeId, Decision.REJECTED_COOKIE);
			logger.debug("Route " + routeId + ": session cookie that does not open, starting a new session");
		}
		String learned = learnedKey(request, settings);
		if (learned != null) {
			return StickySession.fromLearnedKey(routeId, settings, learned, this.keys.learned(routeId, learned),
					this.store);
		}
		return StickySession.started(routeId, settings, this.cookies.newId(), this.store);
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

	private Mono<Void> onCommit(ServerWebExchange exchange, StickySession session, BalancedRequest balanced) {
		ServiceInstance chosen = balanced.chosen();
		if (session.decision == null || chosen == null) {
			return Mono.empty();
		}
		this.metrics.decision(session.routeId, session.decision);
		exchange.getAttributes().put(ExchangeAttributes.STICKY_DECISION, session.decision.tag);
		if (balanced.chosenFailed()) {
			// Every instance refused: nothing worth remembering.
			return Mono.empty();
		}
		ServerHttpResponse response = exchange.getResponse();
		String instance = InstanceKey.of(chosen);
		if (session.cookieOutdated(chosen)) {
			response.getHeaders()
				.add(HttpHeaders.SET_COOKIE, cookie(exchange.getRequest(), session, instance).toString());
		}
		List<String> keys = new ArrayList<>(2);
		if (session.decision == Decision.NEW || session.decision == Decision.REASSIGNED
				|| session.decision == Decision.COOKIE) {
			keys.add((session.lookupKey != null) ? session.lookupKey
					: this.keys.session(session.routeId, session.sessionId));
		}
		String learned = learnedFromResponse(response.getHeaders(), session.settings);
		if (learned != null && !(learned.equals(session.learnedKey) && session.decision == Decision.HIT)) {
			keys.add(this.keys.learned(session.routeId, learned));
		}
		if (learned != null && !learned.equals(session.learnedKey)) {
			// A key the client has not presented yet: Redis is the only place another
			// replica can find it, and a client such as Socket.IO sends its next request
			// at once, maybe over another connection to another replica. The response
			// waits for the write (bounded by the Redis timeout; a failure degrades the
			// store, never the response). Only the response that teaches a key pays this.
			return this.store.assign(keys, instance, session.settings.ttl());
		}
		// Sent, not awaited: our own cookie names the instance, so no other replica
		// needs Redis to route the client's next request. Holding every new session's
		// response back for the reply cost ~25% of the handshake rate (thread hop and a
		// wait per handshake); a failed write degrades the store like any Redis failure.
		this.store.assign(keys, instance, session.settings.ttl()).subscribe();
		return Mono.empty();
	}

	private ResponseCookie cookie(ServerHttpRequest request, StickySession session, String instance) {
		StickySettings settings = session.settings;
		ResponseCookie.ResponseCookieBuilder cookie = ResponseCookie
			.from(settings.cookieName(), this.cookies.seal(session.routeId, session.sessionId, instance))
			.path(settings.cookiePath())
			.httpOnly(true)
			.secure(this.origin.isSecure(request))
			.sameSite(settings.sameSite().attribute());
		if (settings.cookieMaxAge() != null) {
			cookie.maxAge(settings.cookieMaxAge());
		}
		return cookie.build();
	}

	/**
	 * The key the backend set in its answer: the learn header, else the value of the
	 * learn cookie it set.
	 */
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
