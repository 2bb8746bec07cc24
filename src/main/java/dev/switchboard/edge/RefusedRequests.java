package dev.switchboard.edge;

import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.switchboard.metrics.SwitchboardMeters;

/**
 * Requests the public server refuses before any route sees them: counted by reason
 * ({@code switchboard.requests.refused}) and logged at INFO, at most
 * {@link #LINES_PER_SECOND} lines a second. The senders of malformed requests control
 * their number, so the log must not grow with it; the counter carries the full count, and
 * a logged line says how many were left out before it.
 */
public final class RefusedRequests {

	static final int LINES_PER_SECOND = 10;

	private static final Log logger = LogFactory.getLog(RefusedRequests.class);

	private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);

	private long windowStart;

	private int linesInWindow;

	private long notLogged;

	public RefusedRequests(MeterRegistry registry) {
		for (Reason reason : Reason.values()) {
			this.counters.put(reason,
					Counter.builder(SwitchboardMeters.REQUESTS_REFUSED)
						.description("Requests refused by the public server before routing, by reason")
						.tag(SwitchboardMeters.REASON, reason.tag())
						.register(registry));
		}
	}

	/**
	 * Counts and (rate-limited) logs one refusal.
	 * @param client the connection's peer
	 * @param status the status the client gets
	 * @param detail what was wrong, in words
	 */
	public void refused(Reason reason, SocketAddress client, int status, String detail) {
		this.counters.get(reason).increment();
		if (!logger.isInfoEnabled()) {
			return;
		}
		long skipped = admitLine();
		if (skipped >= 0) {
			logger.info("Refused request from " + client + " with " + status + ": " + detail
					+ ((skipped > 0) ? " (" + skipped + " more refusals not logged before this one)" : ""));
		}
	}

	/**
	 * -1 when this line must not be logged, else how many were left out since the last
	 * logged one.
	 */
	private synchronized long admitLine() {
		long now = System.nanoTime();
		if (now - this.windowStart >= 1_000_000_000L) {
			this.windowStart = now;
			this.linesInWindow = 0;
		}
		if (this.linesInWindow >= LINES_PER_SECOND) {
			this.notLogged++;
			return -1;
		}
		this.linesInWindow++;
		long skipped = this.notLogged;
		this.notLogged = 0;
		return skipped;
	}

	/** Why a request was refused; the {@code reason} tag. */
	public enum Reason {

		/** The HTTP decoder could not parse the request (Reactor Netty answers 400). */
		MALFORMED_REQUEST,

		/** The request's headers exceed the decoder's limit (431). */
		HEADERS_TOO_LARGE,

		/** The request line exceeds the decoder's limit (414). */
		URI_TOO_LONG,

		/** An HTTP/1.1 request without Host (RFC 9112, 3.2). */
		MISSING_HOST,

		/** More than one Host header. */
		DUPLICATE_HOST,

		/** A Host value that is not a host[:port]. */
		INVALID_HOST,

		/** A WebSocket handshake over HTTP/1.0 (RFC 6455 asks for HTTP/1.1 or later). */
		HTTP10_UPGRADE,

		/** A request body that stopped arriving for the body timeout (408). */
		BODY_TIMEOUT;

		String tag() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

}
