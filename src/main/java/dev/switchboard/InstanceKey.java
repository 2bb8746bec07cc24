package dev.switchboard;

import java.net.URI;
import java.util.Locale;

import org.springframework.cloud.client.ServiceInstance;

/**
 * A backend instance's identity, {@code host:port}, built one way everywhere: in metric
 * tags, access-log lines, passive health, draining and sticky assignments. A URI without
 * a port gets its scheme's default (80, or 443 for {@code https}/{@code wss}), so
 * {@code ws://chat} and {@code http://chat:80} are one instance.
 */
public final class InstanceKey {

	private InstanceKey() {
	}

	public static String of(URI uri) {
		return of(uri.getHost(), uri.getPort(), isSecure(uri.getScheme()));
	}

	public static String of(ServiceInstance instance) {
		return of(instance.getHost(), instance.getPort(), instance.isSecure());
	}

	static String of(String host, int port, boolean secure) {
		return host + ":" + ((port > 0) ? port : (secure ? 443 : 80));
	}

	/** Whether a route or instance scheme means TLS. */
	public static boolean isSecure(String scheme) {
		if (scheme == null) {
			return false;
		}
		String lower = scheme.toLowerCase(Locale.ROOT);
		return lower.equals("https") || lower.equals("wss");
	}

}
