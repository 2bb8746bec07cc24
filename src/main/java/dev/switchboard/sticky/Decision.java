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

	/** Redis unavailable: chosen by rendezvous hashing of the key, nothing recorded. */
	FALLBACK,

	/**
	 * A cookie whose signature did not verify (counted in addition to the decision that
	 * follows).
	 */
	REJECTED_COOKIE;

	final String tag = name().toLowerCase(Locale.ROOT);

}
