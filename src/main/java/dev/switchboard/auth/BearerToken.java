package dev.switchboard.auth;

import java.net.URI;

import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Where a request's token is: the {@code Authorization: Bearer} header first, then the
 * route's cookie, then its query parameter (browsers cannot set headers on a WebSocket).
 */
final class BearerToken {

	private static final String BEARER = "bearer ";

	private BearerToken() {
	}

	/** The token, or null when the request carries none. */
	static String find(ServerHttpRequest request, AuthSettings settings) {
		String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
		if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
			return nonBlank(authorization.substring(BEARER.length()).trim());
		}
		if (!settings.tokenCookie().isEmpty()) {
			HttpCookie cookie = request.getCookies().getFirst(settings.tokenCookie());
			if (cookie != null) {
				return nonBlank(cookie.getValue());
			}
		}
		if (!settings.tokenQueryParameter().isEmpty()) {
			return nonBlank(request.getQueryParams().getFirst(settings.tokenQueryParameter()));
		}
		return null;
	}

	/** {@code uri} without the token's query parameter, for the backend. */
	static URI withoutQueryToken(URI uri, AuthSettings settings) {
		if (settings.tokenQueryParameter().isEmpty() || uri.getRawQuery() == null
				|| !uri.getRawQuery().contains(settings.tokenQueryParameter())) {
			return uri;
		}
		return UriComponentsBuilder.fromUri(uri).replaceQueryParam(settings.tokenQueryParameter()).build(true).toUri();
	}

	private static String nonBlank(String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

}
