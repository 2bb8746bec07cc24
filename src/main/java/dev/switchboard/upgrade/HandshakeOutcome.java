package dev.switchboard.upgrade;

import java.util.Locale;

/** How a WebSocket handshake through the gateway ended. */
public enum HandshakeOutcome {

	/** The backend accepted; the client got its 101 and a tunnel opened. */
	SUCCESS,

	/** The handshake was malformed and answered at the edge (400, 426). */
	INVALID_REQUEST,

	/** The backend refused it (401, 403, 404, 429, 503, ...), relayed as it was. */
	REJECTED_BY_BACKEND,

	/** The backend could not be reached or misbehaved (502). */
	BACKEND_UNAVAILABLE,

	/** The backend did not answer in time (504). */
	BACKEND_TIMEOUT,

	/** A handshake policy refused it at the edge (403 for a foreign origin). */
	REFUSED_BY_POLICY;

	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
