package dev.switchboard.auth;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.upgrade.HandshakePolicy;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

/**
 * Lets a handshake on an {@code auth: jwt} route through only with a valid JWT, checked
 * by Spring Security's resource-server decoder against the issuer's keys. A missing or
 * invalid token gets 401 with {@code WWW-Authenticate}; an identity provider that cannot
 * be reached gets 503, as nobody can be checked. An accepted token's subject and chosen
 * claims go to the backend as headers, and the tunnel is told when the token expires.
 */
public class JwtPolicy implements HandshakePolicy {

	private static final Log logger = LogFactory.getLog(JwtPolicy.class);

	/** The {@code reason} tag of refusals. */
	static final String NAME = "auth";

	private final RouteSettings<AuthSettings> settings;

	private final JwtDecoders decoders = new JwtDecoders();

	public JwtPolicy(RouteSettings<AuthSettings> settings) {
		this.settings = settings;
	}

	@Override
	public int getOrder() {
		return AUTHENTICATION;
	}

	/** Whether the route asks for a token at all. */
	boolean appliesTo(Route route) {
		return this.settings.forRoute(route).jwt();
	}

	@Override
	public Mono<Refusal> check(ServerWebExchange exchange, Route route) {
		AuthSettings auth = this.settings.forRoute(route);
		if (!auth.jwt()) {
			return Mono.empty();
		}
		String token = BearerToken.find(exchange.getRequest(), auth);
		if (token == null) {
			return Mono.just(new Refusal(HttpStatus.UNAUTHORIZED, NAME, "no token").with(HttpHeaders.WWW_AUTHENTICATE,
					"Bearer realm=\"" + route.getId() + "\""));
		}
		return this.decoders.forRoute(auth).decode(token).flatMap((jwt) -> {
			// The decoder allows a minute of clock skew; a token already past its
			// expiry and grace would only open a tunnel to close it at once.
			if (jwt.getExpiresAt() != null
					&& !jwt.getExpiresAt().plus(auth.tokenExpiryGrace()).isAfter(Instant.now())) {
				return Mono.just(invalidToken("token expired at " + jwt.getExpiresAt(), route.getId()));
			}
			accept(exchange, auth, jwt);
			return Mono.<Refusal>empty();
		}).onErrorResume((ex) -> Mono.just(refusal(ex, route.getId())));
	}

	/**
	 * A token the decoder judged bad is the client's problem (401); anything else, such
	 * as keys that cannot be fetched, is the gateway's (503).
	 */
	private static Refusal refusal(Throwable ex, String routeId) {
		String problem = oneLine(ex.getMessage());
		if (ex instanceof BadJwtException) {
			return new Refusal(HttpStatus.UNAUTHORIZED, NAME, "invalid token: " + problem)
				.with(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"" + routeId
						+ "\", error=\"invalid_token\", error_description=\"" + problem.replace('"', '\'') + "\"");
		}
		logger.warn("Cannot check tokens on route " + routeId + ": " + problem);
		return new Refusal(HttpStatus.SERVICE_UNAVAILABLE, NAME, "cannot check tokens now: " + problem)
			.with(HttpHeaders.RETRY_AFTER, "5");
	}

	private static Refusal invalidToken(String problem, String routeId) {
		return new Refusal(HttpStatus.UNAUTHORIZED, NAME, "invalid token: " + problem)
			.with(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"" + routeId
					+ "\", error=\"invalid_token\", error_description=\"" + problem.replace('"', '\'') + "\"");
	}

	private static void accept(ServerWebExchange exchange, AuthSettings auth, Jwt jwt) {
		Map<String, Object> attributes = exchange.getAttributes();
		if (jwt.getSubject() != null) {
			attributes.put(ExchangeAttributes.SUBJECT, jwt.getSubject());
		}
		attributes.put(ExchangeAttributes.IDENTITY_HEADERS, IdentityHeaders.of(jwt, auth));
		if (jwt.getExpiresAt() != null) {
			attributes.put(ExchangeAttributes.CREDENTIALS_EXPIRE_AT, jwt.getExpiresAt().plus(auth.tokenExpiryGrace()));
		}
		if (!auth.tokenQueryParameter().isEmpty()) {
			exchange.getAttributes()
				.computeIfPresent(GATEWAY_REQUEST_URL_ATTR,
						(name, uri) -> BearerToken.withoutQueryToken((URI) uri, auth));
		}
	}

	/** A message as one short log line (a decoder's may quote the token's parts). */
	private static String oneLine(String message) {
		String line = (message != null) ? message.replaceAll("[\\r\\n]+", " ") : "unknown problem";
		return (line.length() > 200) ? line.substring(0, 200) + "..." : line;
	}

}
