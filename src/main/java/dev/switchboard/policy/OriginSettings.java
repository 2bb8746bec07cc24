package dev.switchboard.policy;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which web pages may open WebSocket tunnels on a route: {@code switchboard.*} globally,
 * and per route under {@code metadata.switchboard.*} with the same names.
 *
 * @param allowedOrigins Origins whose pages may open a WebSocket on the route, as
 * scheme://host[:port] (a scheme's default port may be left out), or with a wildcard as
 * the first label (https://*.example.com: any subdomain, not example.com itself). Others
 * get 403. Empty: any origin
 * @param missingOrigin With an allow-list, what happens to a handshake without an Origin
 * header (not a browser): allow or refuse
 */
@ConfigurationProperties("switchboard")
public record OriginSettings(@DefaultValue List<String> allowedOrigins,
		@DefaultValue("allow") MissingOrigin missingOrigin) {

	/**
	 * Refuses entries that cannot match an Origin header, naming the property as the user
	 * spelled it.
	 * @param prefix what comes before {@code switchboard.} where the user wrote the value
	 * ({@code ""} or {@code metadata.})
	 */
	public void check(String prefix) {
		for (int i = 0; i < this.allowedOrigins.size(); i++) {
			try {
				AllowedOrigin.parse(this.allowedOrigins.get(i));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(prefix + "switchboard.allowed-origins[" + i + "] ("
						+ this.allowedOrigins.get(i) + ") " + ex.getMessage(), ex);
			}
		}
	}

}
