package dev.switchboard.policy;

/** What a route with an origin allow-list does with a handshake that has no Origin. */
public enum MissingOrigin {

	/** Let it through: not a browser (browsers always send Origin on a WebSocket). */
	ALLOW,

	/** Refuse it with 403: only browsers from the allowed origins may connect. */
	REFUSE

}
