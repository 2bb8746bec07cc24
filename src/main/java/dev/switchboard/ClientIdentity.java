package dev.switchboard;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;

/**
 * What authentication tells the backend about the client
 * ({@link ExchangeAttributes#IDENTITY_HEADERS}), applied the same way to a handshake and
 * to plain HTTP.
 */
public final class ClientIdentity {

	private ClientIdentity() {
	}

	/**
	 * Puts the identity headers into the headers the backend gets. Every configured name
	 * is in {@code identity}: one without values removes the client's own copy.
	 */
	public static void applyTo(HttpHeaders target, HttpHeaders identity) {
		for (Map.Entry<String, List<String>> header : identity.headerSet()) {
			if (header.getValue().isEmpty()) {
				target.remove(header.getKey());
			}
			else {
				target.put(header.getKey(), header.getValue());
			}
		}
	}

}
