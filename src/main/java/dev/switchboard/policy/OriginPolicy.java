package dev.switchboard.policy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.config.RouteSettings;
import dev.switchboard.upgrade.HandshakePolicy;

/**
 * Refuses, with 403, a WebSocket handshake from a web page whose origin the route does
 * not allow. Browsers send no CORS preflight for a WebSocket and do send the page's
 * cookies with it, so without this check any site a user visits can open a tunnel as that
 * user (Cross-Site WebSocket Hijacking); the {@code Origin} header is the only signal.
 */
public class OriginPolicy implements HandshakePolicy {

	/** The {@code reason} tag of refusals. */
	static final String NAME = "origin";

	private final RouteSettings<OriginSettings> settings;

	/** Allow-lists parsed once (they were checked when bound). */
	private final Map<List<String>, List<AllowedOrigin>> parsed = new ConcurrentHashMap<>();

	public OriginPolicy(RouteSettings<OriginSettings> settings) {
		this.settings = settings;
	}

	@Override
	public int getOrder() {
		return ORIGIN;
	}

	@Override
	public Mono<Refusal> check(ServerWebExchange exchange, Route route) {
		Refusal refusal = judge(exchange, route);
		return (refusal != null) ? Mono.just(refusal) : Mono.empty();
	}

	private Refusal judge(ServerWebExchange exchange, Route route) {
		OriginSettings origins = this.settings.forRoute(route);
		if (origins.allowedOrigins().isEmpty()) {
			return null;
		}
		String routeId = (route != null) ? route.getId() : "?";
		String origin = exchange.getRequest().getHeaders().getOrigin();
		if (origin == null) {
			return (origins.missingOrigin() == MissingOrigin.REFUSE)
					? new Refusal(HttpStatus.FORBIDDEN, NAME,
							"no Origin header; route " + routeId + " only takes handshakes from its allowed origins")
					: null;
		}
		AllowedOrigin candidate = AllowedOrigin.ofHeader(origin);
		if (candidate != null) {
			for (AllowedOrigin allowed : allowList(origins.allowedOrigins())) {
				if (allowed.allows(candidate)) {
					return null;
				}
			}
		}
		return new Refusal(HttpStatus.FORBIDDEN, NAME,
				"origin " + printable(origin) + " is not allowed on route " + routeId);
	}

	private List<AllowedOrigin> allowList(List<String> entries) {
		return this.parsed.computeIfAbsent(entries, (list) -> list.stream().map(AllowedOrigin::parse).toList());
	}

	/** A client's value as it may appear in a log line: short, one line, printable. */
	private static String printable(String value) {
		String shown = (value.length() > 100) ? value.substring(0, 100) + "..." : value;
		return shown.replaceAll("[^\\x20-\\x7e]", "?");
	}

}
