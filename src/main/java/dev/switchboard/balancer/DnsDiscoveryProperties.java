package dev.switchboard.balancer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Backend groups whose instances are the A records of a DNS name (in Kubernetes: a
 * headless Service). Read by each group's load-balancer context; declared here for
 * validation and IDE help.
 */
@ConfigurationProperties("switchboard.discovery.dns")
@Validated
public class DnsDiscoveryProperties {

	/**
	 * Backend group name to host:port whose A records are its instances, e.g. chat:
	 * chat-headless.default.svc.cluster.local:8080.
	 */
	private Map<String, String> services = new LinkedHashMap<>();

	/** How often the names are resolved again. */
	@NotNull
	private Duration refreshInterval = Duration.ofSeconds(5);

	public Map<String, String> getServices() {
		return this.services;
	}

	public void setServices(Map<String, String> services) {
		this.services = services;
	}

	public Duration getRefreshInterval() {
		return this.refreshInterval;
	}

	public void setRefreshInterval(Duration refreshInterval) {
		this.refreshInterval = refreshInterval;
	}

}
