package dev.switchboard.auth;

/** Whether a route's handshakes must present credentials. */
public enum AuthMode {

	/** Anyone may open a tunnel (the backend may still refuse). */
	NONE,

	/** A valid JWT, checked against the issuer's keys, is needed for every request. */
	JWT

}
