package dev.switchboard.sticky;

import java.util.Locale;

/**
 * How a sticky route chose the instance for one request; the {@code decision} tag of the
 * metric.
 */
enum Decision {

	/** The session's recorded instance, still healthy. */
	HIT,

	/** A session without a record: chosen now and recorded. */
	NEW,

	/**
	 * The recorded instance was down, draining or gone from discovery: another one,
	 * recorded.
	 */
	REASSIGNED,

	/**
	 * The instance the session's cookie names, alive, while Redis was unavailable or had
	 * no record (an empty Redis after a restart); recorded in Redis again when it
	 * answers.
	 */
	COOKIE,

	/**
	 * Redis unavailable and no usable instance in a cookie: rendezvous hashing of the
	 * key, nothing recorded.
	 */
	FALLBACK,

	/**
	 * A cookie whose signature did not verify (counted in addition to the decision that
	 * follows).
	 */
	REJECTED_COOKIE;

	final String tag = name().toLowerCase(Locale.ROOT);

}
