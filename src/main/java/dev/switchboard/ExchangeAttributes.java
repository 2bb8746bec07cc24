package dev.switchboard;

/**
 * Exchange attributes one part of Switchboard leaves for another, named once. (Spring
 * Cloud Gateway's own are in {@code ServerWebExchangeUtils}.)
 */
public final class ExchangeAttributes {

	/**
	 * {@code Boolean}: the tunnel took this exchange's handshake; it is logged with its
	 * tunnel, not as HTTP.
	 */
	public static final String TUNNEL_HANDLED = "switchboard.tunnel.handled";

	/**
	 * {@code String}: the handshake policy that refused this handshake ({@code origin},
	 * {@code auth}, {@code concurrency}, {@code rate}), for the metrics' {@code reason}
	 * tag and the access log.
	 */
	public static final String REFUSED_BY = "switchboard.refused.by";

	/**
	 * {@code HttpHeaders}: what authentication tells the backend about the client (its
	 * subject and chosen claims); they replace any client-supplied copies.
	 */
	public static final String IDENTITY_HEADERS = "switchboard.identity.headers";

	/**
	 * {@code String}: the authenticated subject of this request, for per-subject limits
	 * and the access log.
	 */
	public static final String SUBJECT = "switchboard.subject";

	/**
	 * {@code Instant}: when the credentials this handshake was accepted with expire
	 * (grace included); its tunnel is closed then.
	 */
	public static final String CREDENTIALS_EXPIRE_AT = "switchboard.credentials.expire.at";

	/**
	 * {@code String}: the sticky-routing decision for this request, for the access log
	 * and the tunnel.
	 */
	public static final String STICKY_DECISION = "switchboard.sticky.decision";

	/**
	 * {@code BalancedRequest}: what the load balancer chose for this request and what it
	 * tried.
	 */
	public static final String BALANCED_REQUEST = "switchboard.balancer.request";

	/**
	 * {@code TraceContext}: the handshake span's, when tracing is on, for the access log.
	 */
	public static final String TRACE_CONTEXT = "switchboard.trace.context";

	private ExchangeAttributes() {
	}

}
