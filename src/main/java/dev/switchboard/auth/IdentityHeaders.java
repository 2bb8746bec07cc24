package dev.switchboard.auth;

import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * What the backend is told about an authenticated client. Every configured header is
 * present, empty when the token lacks the claim, so a client's own copy is always removed
 * (by {@code ClientIdentity.applyTo}).
 */
final class IdentityHeaders {

	private IdentityHeaders() {
	}

	static HttpHeaders of(Jwt jwt, AuthSettings auth) {
		HttpHeaders headers = new HttpHeaders();
		if (!auth.subjectHeader().isEmpty()) {
			headers.put(auth.subjectHeader(), values(jwt.getSubject()));
		}
		auth.claimHeaders().forEach((claim, header) -> headers.put(header, values(claimValue(jwt, claim))));
		return headers;
	}

	private static String claimValue(Jwt jwt, String claim) {
		Object value = jwt.getClaim(claim);
		if (value instanceof List<?> list) {
			return String.join(",", list.stream().map(String::valueOf).toList());
		}
		return (value != null) ? String.valueOf(value) : null;
	}

	/**
	 * No value, or one a header can carry: control characters would split the request.
	 */
	private static List<String> values(String value) {
		return (value != null) ? List.of(value.replaceAll("\\p{Cntrl}", "?")) : List.of();
	}

}
