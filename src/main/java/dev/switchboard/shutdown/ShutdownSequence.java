package dev.switchboard.shutdown;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

import dev.switchboard.tunnel.GatewayCloseReason;
import dev.switchboard.tunnel.TunnelRegistry;

/**
 * The gateway's way out, on SIGTERM (or any context close), before the web server's own
 * graceful shutdown. It runs on the context's close event, before any lifecycle bean
 * stops, rather than as a lifecycle bean itself: lifecycle beans are also stopped when a
 * context is merely paused (Spring's test context cache does), and a paused gateway must
 * come back on the port it had.
 * <ol>
 * <li>readiness turns false at once, so Kubernetes takes the pod out of its
 * Services;</li>
 * <li>for {@code accept-delay} the gateway still accepts and serves, while that news
 * reaches every load balancer (what a preStop sleep used to do);</li>
 * <li>the public listening socket closes: no new connection;</li>
 * <li>open tunnels are closed with a close frame, {@code 1012 "service restart"} to
 * clients (or 1001) and 1001 to backends, spread evenly over {@code close-spread}, so
 * thousands of clients do not reconnect in the same second; each close handshake gets
 * {@code close-timeout};</li>
 * <li>then the web server finishes in-flight plain requests (Spring's graceful shutdown)
 * and the process exits.</li>
 * </ol>
 */
class ShutdownSequence implements ApplicationListener<ContextClosedEvent> {

	private static final Log logger = LogFactory.getLog(ShutdownSequence.class);

	private final ApplicationContext context;

	private final ShutdownProperties properties;

	private final ListeningSockets sockets;

	private final TunnelRegistry tunnels;

	private final Duration closeTimeout;

	ShutdownSequence(ApplicationContext context, ShutdownProperties properties, ListeningSockets sockets,
			TunnelRegistry tunnels, Duration closeTimeout) {
		this.context = context;
		this.properties = properties;
		this.sockets = sockets;
		this.tunnels = tunnels;
		this.closeTimeout = closeTimeout;
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (event.getApplicationContext() != this.context) {
			return;
		}
		AvailabilityChangeEvent.publish(this.context, ReadinessState.REFUSING_TRAFFIC);
		int open = this.tunnels.openCount();
		logger.info("Shutting down: readiness is off; accepting for " + this.properties.getAcceptDelay().toMillis()
				+ "ms more, then closing " + open + " tunnel(s) with " + this.properties.getCloseCode() + " over "
				+ this.properties.getCloseSpread().toMillis() + "ms");
		sleep(this.properties.getAcceptDelay());
		if (this.context instanceof WebServerApplicationContext web && web.getWebServer() != null) {
			this.sockets.stopAccepting(web.getWebServer().getPort());
		}
		int left = this.tunnels.closeAll(GatewayCloseReason.SHUTDOWN, this.properties.getCloseCode(),
				this.properties.closeReason(), this.properties.getCloseSpread(), this.closeTimeout);
		if (left > 0) {
			logger.warn(left + " tunnel(s) did not finish their close handshake within " + this.closeTimeout.toMillis()
					+ "ms (switchboard.close-timeout) of their close");
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
