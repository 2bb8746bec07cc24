package dev.switchboard.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Switchboard's global settings. Every {@link TunnelSettings} value can be overridden per route under
 * the route's {@code metadata.switchboard.*}; the values here are the defaults for routes that do not.
 */
@ConfigurationProperties("switchboard")
@Validated
public class SwitchboardProperties {

	/** Longest wait for the TCP connection to a backend; past it the handshake is answered with 504. */
	@NotNull
	private Duration connectTimeout = Duration.ofSeconds(5);

	/** Longest wait, once connected, for the backend's answer to the WebSocket handshake; past it 504. */
	@NotNull
	private Duration handshakeTimeout = Duration.ofSeconds(10);

	/** Largest WebSocket message (all its fragments together) relayed in either direction; a larger one is refused with close code 1009. */
	@NotNull
	private DataSize maxMessageSize = DataSize.ofMegabytes(16);

	/** Exact spelling of the Upgrade header sent upstream on upgrade requests (some backends compare it case-sensitively). */
	@NotBlank
	private String upgradeHeaderValue = "websocket";

	/** Exact spelling of the Connection header sent upstream on upgrade requests. */
	@NotBlank
	private String connectionHeaderValue = "upgrade";

	/** How long the gateway waits for a peer to answer a close frame before it closes the TCP connection itself. */
	@NotNull
	private Duration closeTimeout = Duration.ofSeconds(5);

	/** Silence from one side of a tunnel after which the gateway pings it, keeping NATs and load balancers warm and finding dead peers; 0 disables heartbeats. */
	@NotNull
	private Duration heartbeatInterval = Duration.ofSeconds(30);

	/** How long a pinged side has to send anything (a pong or any frame) before it is declared dead. */
	@NotNull
	private Duration heartbeatTimeout = Duration.ofSeconds(10);

	/** Time without a data frame (text or binary) in either direction after which a tunnel is closed with 1001 "idle timeout"; 0 disables. Heartbeats do not count as activity. */
	@NotNull
	private Duration idleTimeout = Duration.ofHours(1);

	/** Age at which a tunnel is closed with 1001 "max lifetime", to force periodic reconnects; 0 (the default) means no limit. */
	@NotNull
	private Duration maxLifetime = Duration.ZERO;

	/** Answer the peers' own pings at the gateway instead of relaying them to the other side. */
	private boolean answerPings = false;

	/** Longest time a client may take to send its first request's headers; slower connections are dropped (slowloris). */
	@NotNull
	private Duration clientHeaderTimeout = Duration.ofSeconds(10);

	/** The idle timeout of whatever sits in front of the gateway (cloud load balancer, ingress), if known; startup fails when the heartbeat interval is not comfortably below it. */
	private Duration edgeIdleTimeout;

	/** Forwarded headers sent to backends. */
	@Valid
	private final Forwarded forwarded = new Forwarded();

	/** The access log (logger switchboard.access). */
	@Valid
	private final AccessLog accessLog = new AccessLog();

	/** TLS towards wss:// and https:// backends. */
	@Valid
	private final BackendTls backendTls = new BackendTls();

	public Duration getConnectTimeout() {
		return this.connectTimeout;
	}

	public void setConnectTimeout(Duration connectTimeout) {
		this.connectTimeout = connectTimeout;
	}

	public Duration getHandshakeTimeout() {
		return this.handshakeTimeout;
	}

	public void setHandshakeTimeout(Duration handshakeTimeout) {
		this.handshakeTimeout = handshakeTimeout;
	}

	public DataSize getMaxMessageSize() {
		return this.maxMessageSize;
	}

	public void setMaxMessageSize(DataSize maxMessageSize) {
		this.maxMessageSize = maxMessageSize;
	}

	public String getUpgradeHeaderValue() {
		return this.upgradeHeaderValue;
	}

	public void setUpgradeHeaderValue(String upgradeHeaderValue) {
		this.upgradeHeaderValue = upgradeHeaderValue;
	}

	public String getConnectionHeaderValue() {
		return this.connectionHeaderValue;
	}

	public void setConnectionHeaderValue(String connectionHeaderValue) {
		this.connectionHeaderValue = connectionHeaderValue;
	}

	public Duration getCloseTimeout() {
		return this.closeTimeout;
	}

	public void setCloseTimeout(Duration closeTimeout) {
		this.closeTimeout = closeTimeout;
	}

	public Duration getHeartbeatInterval() {
		return this.heartbeatInterval;
	}

	public void setHeartbeatInterval(Duration heartbeatInterval) {
		this.heartbeatInterval = heartbeatInterval;
	}

	public Duration getHeartbeatTimeout() {
		return this.heartbeatTimeout;
	}

	public void setHeartbeatTimeout(Duration heartbeatTimeout) {
		this.heartbeatTimeout = heartbeatTimeout;
	}

	public Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	public Duration getMaxLifetime() {
		return this.maxLifetime;
	}

	public void setMaxLifetime(Duration maxLifetime) {
		this.maxLifetime = maxLifetime;
	}

	public boolean isAnswerPings() {
		return this.answerPings;
	}

	public void setAnswerPings(boolean answerPings) {
		this.answerPings = answerPings;
	}

	public Duration getClientHeaderTimeout() {
		return this.clientHeaderTimeout;
	}

	public void setClientHeaderTimeout(Duration clientHeaderTimeout) {
		this.clientHeaderTimeout = clientHeaderTimeout;
	}

	public Duration getEdgeIdleTimeout() {
		return this.edgeIdleTimeout;
	}

	public void setEdgeIdleTimeout(Duration edgeIdleTimeout) {
		this.edgeIdleTimeout = edgeIdleTimeout;
	}

	public Forwarded getForwarded() {
		return this.forwarded;
	}

	public AccessLog getAccessLog() {
		return this.accessLog;
	}

	public BackendTls getBackendTls() {
		return this.backendTls;
	}

	/** The defaults every route starts from. */
	public TunnelSettings tunnelDefaults() {
		return new TunnelSettings(this.connectTimeout, this.handshakeTimeout, this.maxMessageSize, this.upgradeHeaderValue,
				this.connectionHeaderValue, this.closeTimeout, this.heartbeatInterval, this.heartbeatTimeout,
				this.idleTimeout, this.maxLifetime, this.answerPings);
	}

	public static class Forwarded {

		/** Which forwarded headers backends receive: x-forwarded, forwarded (RFC 7239), both, or none. */
		@NotNull
		private ForwardedMode mode = ForwardedMode.X_FORWARDED;

		/** Addresses (CIDR, e.g. 10.0.0.0/8, or single IPs) whose incoming forwarded headers are trusted and extended; from anyone else they are replaced. */
		private List<String> trustedProxies = new ArrayList<>();

		/** Send the client's original Host header to backends (false: the backend's own host:port). */
		private boolean preserveHost = true;

		public ForwardedMode getMode() {
			return this.mode;
		}

		public void setMode(ForwardedMode mode) {
			this.mode = mode;
		}

		public List<String> getTrustedProxies() {
			return this.trustedProxies;
		}

		public void setTrustedProxies(List<String> trustedProxies) {
			this.trustedProxies = trustedProxies;
		}

		public boolean isPreserveHost() {
			return this.preserveHost;
		}

		public void setPreserveHost(boolean preserveHost) {
			this.preserveHost = preserveHost;
		}

	}

	public enum ForwardedMode {

		/** X-Forwarded-For, -Proto, -Host and -Port. */
		X_FORWARDED,

		/** The standard Forwarded header (RFC 7239). */
		FORWARDED,

		/** Both styles. */
		BOTH,

		/** Neither; incoming forwarded headers are removed. */
		NONE

	}

	public static class AccessLog {

		/** Write one line per plain request, per refused handshake and per ended tunnel. */
		private boolean enabled = true;

		/** text: readable key=value lines; json: ECS JSON documents (Spring Boot's structured logging). */
		@NotNull
		private AccessLogFormat format = AccessLogFormat.TEXT;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public AccessLogFormat getFormat() {
			return this.format;
		}

		public void setFormat(AccessLogFormat format) {
			this.format = format;
		}

	}

	public enum AccessLogFormat {

		/** Readable key=value lines. */
		TEXT,

		/** One ECS JSON document per line. */
		JSON

	}

	public static class BackendTls {

		/** Trust any certificate a wss:// backend presents. For tests and private networks only. */
		private boolean trustAll = false;

		public boolean isTrustAll() {
			return this.trustAll;
		}

		public void setTrustAll(boolean trustAll) {
			this.trustAll = trustAll;
		}

	}

}
