package dev.switchboard;

import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.core.Ordered;

/**
 * Where Switchboard's global filters run, relative to Spring Cloud Gateway's own. Filters
 * run in ascending order on the way in; the "post" part of a filter runs in descending
 * order on the way out.
 */
public final class FilterOrder {

	/**
	 * The WebSocket tunnel: after the load balancer has turned {@code lb://} into an
	 * instance (10150), and just before the stock {@code WebsocketRoutingFilter} (lowest
	 * precedence - 1), so upgrades are taken here and never reach the stock filter, while
	 * plain HTTP goes on to {@code NettyRoutingFilter}.
	 */
	public static final int TUNNEL = Ordered.LOWEST_PRECEDENCE - 2;

	/**
	 * Checks plain HTTP answers after {@code NettyRoutingFilter} has received them but
	 * before {@code NettyWriteResponseFilter} (-1) writes them to the client: its post
	 * part runs in between.
	 */
	public static final int PLAIN_RESPONSE_GUARD = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER + 1;

	/**
	 * Every {@code lb://} request: just before the load balancer (10150) turns
	 * {@code lb://} into an instance, so the balancer finds the request's state, and
	 * around it, so a refused connection can go through it again.
	 */
	public static final int BALANCER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;

	/**
	 * Sticky sessions: before {@link #BALANCER}, which then takes the session as the
	 * request's affinity.
	 */
	public static final int STICKY = BALANCER - 1;

	/**
	 * Marks the exchange to keep the client's Host early, before any routing filter reads
	 * the mark.
	 */
	public static final int PRESERVE_HOST = Ordered.HIGHEST_PRECEDENCE + 1000;

	/**
	 * Admission control of handshakes: first of all, so a shed handshake costs nothing
	 * else.
	 */
	public static final int ADMISSION = Ordered.HIGHEST_PRECEDENCE + 500;

	private FilterOrder() {
	}

}
