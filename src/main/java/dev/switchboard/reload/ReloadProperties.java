package dev.switchboard.reload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Routes and per-route settings reloaded from the configuration files while the gateway
 * runs.
 */
@ConfigurationProperties("switchboard.reload")
public class ReloadProperties {

	/** Whether changes of the configuration files are applied without a restart. */
	private boolean enabled = true;

	/**
	 * How often the files are read again for changes (Kubernetes takes up to a minute to
	 * update a mounted ConfigMap anyway).
	 */
	private Duration interval = Duration.ofSeconds(5);

	/**
	 * The files to follow; empty: every file the gateway's configuration was loaded from
	 * (e.g. /config/application.yml through spring.config.additional-location).
	 */
	private List<String> files = new ArrayList<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getInterval() {
		return this.interval;
	}

	public void setInterval(Duration interval) {
		this.interval = interval;
	}

	public List<String> getFiles() {
		return this.files;
	}

	public void setFiles(List<String> files) {
		this.files = files;
	}

}
